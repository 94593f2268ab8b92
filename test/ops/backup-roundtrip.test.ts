/**
 * Backup round trip through the real `ttops` binary on both engines: seed through the Store
 * API, add media, `backup create`, wipe rows (and a table) and media, `backup restore --yes`,
 * then every table's rows and every media file must be identical — and the restore is in the
 * audit log, and new rows still get fresh ids.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateKey, hashKey, keySuffix } from '../../src/licenses/key.js';
import { openStore } from '../../src/store/open.js';
import { addDays } from '../../src/time.js';
import { ttops } from '../helpers/cli.js';
import { ENGINES, tempDir, type TestEngine } from '../helpers/engines.js';
import { installSystemctlStandin } from '../helpers/systemctl-standin.js';
import { mediaFingerprint, rowChecksums, seed, wipeDatabase, writeMedia } from './backup-helpers.js';

for (const { name, make } of ENGINES) {
  describe(`backup round trip on ${name}`, () => {
    let engine: TestEngine;
    let env: Record<string, string>;
    let media: string;
    let first: { id: string; rows: Record<string, string>; media: Record<string, string> };

    before(async () => {
      engine = await make();
      media = path.join(engine.settings.home, 'media');
      // An explicit systemctl with no units installed: the restore must touch data only.
      const standin = installSystemctlStandin(tempDir('ttops-sysd-'));
      env = { ...engine.env, TTOPS_SYSTEMCTL: standin.bin, LOG_LEVEL: 'warn' };
      await seed(engine);
      writeMedia(media);
    });
    after(async () => engine.cleanup());

    test('create → wipe → restore --yes gives identical rows and media', async () => {
      const rowsBefore = await rowChecksums(engine);
      const mediaBefore = mediaFingerprint(media);
      assert.ok(Object.keys(rowsBefore).length >= 8, 'all tables are compared');
      assert.match(rowsBefore.users, /^1:/);
      assert.match(rowsBefore.license_keys, /^4:/);

      const created = await ttops(['backup', 'create', '--json'], env);
      assert.equal(created.code, 0, created.stderr);
      const result = JSON.parse(created.stdout) as { id: string; path: string; engine: string; tables: number; rows: number; media_files: number };
      assert.equal(result.engine, name);
      assert.equal(result.media_files, 2);
      assert.equal(result.path, path.join(engine.settings.home, 'backups', result.id));
      assert.equal(statSync(result.path).mode & 0o777, 0o700);
      assert.ok(!existsSync(path.join(engine.settings.home, 'backups', `.tmp-${result.id}`)), 'the temp folder was renamed into place');

      await wipeDatabase(engine);
      rmSync(path.join(media, 'static', 'sounds', 'rose.mp3'));
      writeFileSync(path.join(media, 'stray.txt'), 'must not survive the restore');
      assert.notDeepEqual(await rowChecksums(engine), rowsBefore);

      const restored = await ttops(['backup', 'restore', result.id, '--yes'], env);
      assert.equal(restored.code, 0, restored.stderr);
      const safety = /safety backup: (\S+)/.exec(restored.stdout)?.[1];
      assert.ok(safety && safety !== result.id, restored.stdout);
      assert.match(restored.stderr, new RegExp(`safety backup ${safety} taken`));
      assert.match(restored.stdout, /no ttops units are installed: restored the data alone/);

      first = { id: result.id, rows: rowsBefore, media: mediaBefore };
      const rowsAfter = await rowChecksums(engine, { audit_log: "action <> 'backup.restore'" });
      assert.deepEqual(rowsAfter, rowsBefore);
      assert.deepEqual(mediaFingerprint(media), mediaBefore);
      const audits = await rowChecksums(engine, { audit_log: "action = 'backup.restore'" });
      assert.match(audits.audit_log, /^1:/, 'one backup.restore audit row');

      // Identity/rowid state came back too: a new key gets a fresh id.
      const store = await openStore(engine.settings);
      try {
        const key = generateKey();
        const [issued] = await store.issueLicenses([{ keyHash: hashKey(key), keySuffix: keySuffix(key), plan: 'pro', ttlDays: 1, expiresAt: addDays(new Date().toISOString(), 1) }], { actor: 'test' });
        assert.equal(issued.id, 5);
        const restoreRow = (await store.listAudit(10)).find((a) => a.action === 'backup.restore');
        assert.equal(restoreRow?.subject, `backup:${result.id}`);
        assert.equal(restoreRow?.detail?.safety_backup, safety);
      } finally {
        await store.close();
      }

      const list = await ttops(['backup', 'list', '--json'], env);
      assert.equal(list.code, 0, list.stderr);
      const rows = JSON.parse(list.stdout) as { id: string; status: string; engine: string }[];
      assert.deepEqual(rows.map((r) => r.id).sort(), [result.id, safety].sort());
      assert.ok(rows.every((r) => r.status === 'ok' && r.engine === name));
    });

    test('restore onto a fresh install (no database yet): no safety backup, same data', async () => {
      const fresh = await make();
      try {
        const r = await ttops(['backup', 'restore', first.id, '--yes', '--dir', path.join(engine.settings.home, 'backups')], { ...env, ...fresh.env });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /safety backup: none \(the database was empty\)/);
        assert.deepEqual(await rowChecksums(fresh, { audit_log: "action <> 'backup.restore'" }), first.rows);
        assert.deepEqual(mediaFingerprint(path.join(fresh.settings.home, 'media')), first.media);
      } finally {
        await fresh.cleanup();
      }
    });

    test('verify --restore drills the newest backup against its manifest', async () => {
      const verified = await ttops(['backup', 'verify', 'latest', '--restore', '--json'], env);
      assert.equal(verified.code, 0, verified.stderr);
      const out = JSON.parse(verified.stdout) as { files: { name: string }[]; restore: { tables: number; media_files: number } };
      assert.deepEqual(out.files.map((f) => f.name), [name === 'postgres' ? 'db.dump' : 'db.sqlite', 'media.tar.gz']);
      assert.ok(out.restore.tables >= 7);
    });
  });
}
