/**
 * `verify` and `list` catch damage: flipped bytes in a dump (exit 1 naming the file), a
 * truncated manifest or file (`list` says corrupt), a manifest whose row counts lie (only the
 * restore drill can see that; exit 1 naming the table), and half-written folders.
 */
import assert from 'node:assert/strict';
import { mkdirSync, openSync, readFileSync, readSync, closeSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { ttops } from '../helpers/cli.js';
import { ENGINES, PG_ADMIN_URL, type TestEngine } from '../helpers/engines.js';
import { seed } from './backup-helpers.js';

/** Inverts 16 bytes in the middle of a file (size unchanged). */
function flipMiddle(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    const at = Math.floor(statSync(file).size / 2);
    const buf = Buffer.alloc(16);
    readSync(fd, buf, 0, 16, at);
    writeSync(fd, buf.map((b) => b ^ 0xff), 0, 16, at);
  } finally {
    closeSync(fd);
  }
}

async function scratchDatabasesNamed(name: string): Promise<number> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return Number((await c.query('SELECT count(*) AS n FROM pg_database WHERE datname = $1', [name])).rows[0].n);
  } finally {
    await c.end();
  }
}

for (const { name, make } of ENGINES) {
  describe(`backup verify and list on ${name}`, () => {
    let engine: TestEngine;
    let env: Record<string, string>;
    let dir: string;
    const dumpName = name === 'postgres' ? 'db.dump' : 'db.sqlite';

    const create = async () => {
      const r = await ttops(['backup', 'create', '--dir', dir, '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { id: string; path: string };
    };
    const listed = async () => {
      const r = await ttops(['backup', 'list', '--dir', dir, '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { id: string; status: string; problem: string | null }[];
    };

    before(async () => {
      engine = await make();
      env = { ...engine.env, LOG_LEVEL: 'warn' };
      dir = path.join(engine.settings.home, 'elsewhere');
      await seed(engine);
    });
    after(async () => engine.cleanup());

    test('a good backup verifies, with and without the restore drill', async () => {
      const b = await create();
      const plain = await ttops(['backup', 'verify', b.id, '--dir', dir], env);
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, new RegExp(`backup ${b.id} ok: ${dumpName}, media.tar.gz match`));
      const drill = await ttops(['backup', 'verify', b.id, '--restore', '--dir', dir], env);
      assert.equal(drill.code, 0, drill.stderr);
      assert.match(drill.stdout, /16 tables|17 tables/);
    });

    test('flipped bytes in the middle of the dump: verify exits 1 naming the file', async () => {
      const b = await create();
      flipMiddle(path.join(b.path, dumpName));
      const r = await ttops(['backup', 'verify', b.id, '--dir', dir], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^ttops: ${dumpName.replace('.', '\\.')} in backup ${b.id} is corrupt: its sha256 is [0-9a-f]{12}… but the manifest says`));
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one sentence, no stack');
      const restore = await ttops(['backup', 'restore', b.id, '--yes', '--dir', dir], env);
      assert.equal(restore.code, 1, 'a corrupt backup is never restored');
      assert.match(restore.stderr, /is corrupt/);
    });

    test('a truncated manifest or data file makes list say corrupt', async () => {
      const a = await create();
      const b = await create();
      const manifest = path.join(a.path, 'manifest.json');
      writeFileSync(manifest, readFileSync(manifest, 'utf8').slice(0, 200));
      truncateSync(path.join(b.path, 'media.tar.gz'), 10);
      const rows = await listed();
      const ra = rows.find((r) => r.id === a.id)!;
      const rb = rows.find((r) => r.id === b.id)!;
      assert.deepEqual([ra.status, ra.problem], ['corrupt', 'manifest.json is not valid JSON (truncated?)']);
      assert.equal(rb.status, 'corrupt');
      assert.match(rb.problem!, /^media\.tar\.gz is 10 bytes but the manifest says \d+$/);
      const human = await ttops(['backup', 'list', '--dir', dir], env);
      assert.match(human.stdout, new RegExp(`^${a.id}\\s.*\\scorrupt\\s`, 'm'));
      const v = await ttops(['backup', 'verify', a.id, '--dir', dir], env);
      assert.equal(v.code, 1);
      assert.match(v.stderr, new RegExp(`backup ${a.id} is corrupt: manifest.json is not valid JSON`));
    });

    test('row counts that disagree with the manifest are caught by the restore drill only', async () => {
      const b = await create();
      const file = path.join(b.path, 'manifest.json');
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      manifest.tables.license_keys += 1;
      writeFileSync(file, JSON.stringify(manifest));
      assert.equal((await ttops(['backup', 'verify', b.id, '--dir', dir], env)).code, 0, 'checksums alone cannot see it');
      const r = await ttops(['backup', 'verify', b.id, '--restore', '--dir', dir], env);
      assert.equal(r.code, 1);
      const m = /^ttops: backup \S+: table license_keys has 4 rows in (scratch database (ttops_verify_[0-9a-f]+)|the restored copy) but the manifest says 5\n$/.exec(r.stderr);
      assert.ok(m, r.stderr);
      if (m[2]) assert.equal(await scratchDatabasesNamed(m[2]), 0, 'the scratch database was dropped');
    });

    test('half-written folders show as incomplete; unknown ids exit 5', async () => {
      mkdirSync(path.join(dir, '.tmp-20260101T000000Z-abcdef'));
      mkdirSync(path.join(dir, 'not-a-backup'));
      const rows = await listed();
      assert.equal(rows.find((r) => r.id === '.tmp-20260101T000000Z-abcdef')?.status, 'incomplete');
      assert.ok(!rows.some((r) => r.id === 'not-a-backup'), 'foreign folders are ignored');
      const missing = await ttops(['backup', 'verify', '20200101T000000Z-000000', '--dir', dir], env);
      assert.equal(missing.code, 5);
      assert.match(missing.stderr, /there is no backup 20200101T000000Z-000000/);
    });
  });
}
