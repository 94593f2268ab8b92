/**
 * Shared set-up for the backup suites: a seeded store (through the Store API), media files,
 * per-table row checksums straight from the database, and media fingerprints.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { generateKey, hashKey, keySuffix } from '../../src/licenses/key.js';
import { openStore } from '../../src/store/open.js';
import { addDays } from '../../src/time.js';
import type { TestEngine } from '../helpers/engines.js';

/** Migrates and seeds: licenses (one redeemed into an account with changed settings). */
export async function seed(engine: TestEngine, licenses = 4): Promise<void> {
  const store = await openStore(engine.settings);
  try {
    await store.migrateUp();
    const now = new Date().toISOString();
    const keys = Array.from({ length: licenses }, () => generateKey());
    await store.issueLicenses(
      keys.map((key, i) => ({ keyHash: hashKey(key), keySuffix: keySuffix(key), plan: i % 2 ? 'basic' : 'pro', ttlDays: 30 + i, note: `партия ${i} ✓`, expiresAt: addDays(now, 30) })),
      { actor: 'test' },
    );
    const { user } = await store.redeemLicense({ keyHash: hashKey(keys[0]), now, actor: 'test', account: { kind: 'new', username: 'Streamer', passwordHash: 'pbkdf2$x' } });
    await store.updateUserSettings(user.id, { voiceId: 'en-US-AriaNeural', ttsVolume: 42, tiktokUsername: 'streamer_live' });
  } finally {
    await store.close();
  }
}

/** Puts a few media files (nested, binary, a space in a name) under `dir`. */
export function writeMedia(dir: string): void {
  mkdirSync(path.join(dir, 'static', 'sounds'), { recursive: true });
  mkdirSync(path.join(dir, 'static', 'tts'), { recursive: true });
  writeFileSync(path.join(dir, 'static', 'sounds', 'rose.mp3'), Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256)));
  writeFileSync(path.join(dir, 'static', 'tts', 'hello world.mp3'), 'ID3 fake audio');
}

/** relative path → sha256 of every file under `dir`. */
export function mediaFingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const e of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, e.name);
      if (e.isDirectory()) walk(rel);
      else out[rel] = createHash('sha256').update(readFileSync(path.join(dir, rel))).digest('hex');
    }
  };
  walk('');
  return out;
}

/** table → md5 of all its rows (order-independent), read straight from the database. `where` filters one table. */
export async function rowChecksums(engine: TestEngine, where: Record<string, string> = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (engine.settings.databaseUrl) {
    const c = new pg.Client({ connectionString: engine.settings.databaseUrl });
    await c.connect();
    try {
      const { rows } = await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
      for (const { tablename } of rows) {
        const filter = where[tablename] ? `WHERE ${where[tablename]}` : '';
        const r = await c.query<{ sum: string; n: string }>(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS sum, count(*) AS n FROM (SELECT * FROM "${tablename}" ${filter}) t`);
        out[tablename] = `${r.rows[0].n}:${r.rows[0].sum}`;
      }
    } finally {
      await c.end();
    }
    return out;
  }
  const db = new Database(path.join(engine.settings.home, 'ttops.db'), { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    for (const { name } of tables) {
      const rows = db.prepare(`SELECT * FROM "${name}" ${where[name] ? `WHERE ${where[name]}` : ''}`).all().map((r) => JSON.stringify(r)).sort();
      out[name] = `${rows.length}:${createHash('md5').update(rows.join('|')).digest('hex')}`;
    }
  } finally {
    db.close();
  }
  return out;
}

/** Deletes every row of every table (and drops one table), straight in the database. */
export async function wipeDatabase(engine: TestEngine): Promise<void> {
  if (engine.settings.databaseUrl) {
    const c = new pg.Client({ connectionString: engine.settings.databaseUrl });
    await c.connect();
    try {
      const { rows } = await c.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
      await c.query(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
      await c.query('DROP TABLE workers');
    } finally {
      await c.end();
    }
    return;
  }
  const db = new Database(path.join(engine.settings.home, 'ttops.db'));
  try {
    db.pragma('foreign_keys = OFF');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
    db.transaction(() => tables.forEach(({ name }) => db.prepare(`DELETE FROM "${name}"`).run()))();
    db.exec('DROP TABLE workers');
    db.pragma('user_version = 0');
  } finally {
    db.close();
  }
}
