/**
 * PostgreSQL migrations through node-pg-migrate (its SQL-file format, its advisory lock so
 * concurrent `migrate up` from several hosts is safe). Loaded lazily: only `migrate` and
 * start-up checks need it.
 */
import type pg from 'pg';
import { listMigrationFiles, migrationsDir } from '../migration-files.js';
import type { MigrationState } from '../types.js';
import { rethrow } from './db.js';

const TABLE = 'pgmigrations';

/** Which steps have run, read from node-pg-migrate's own table. */
export async function pgMigrationStatus(pool: pg.Pool): Promise<MigrationState[]> {
  let applied = new Set<string>();
  try {
    const exists = await pool.query(`SELECT to_regclass('${TABLE}') AS t`);
    if (exists.rows[0].t) applied = new Set((await pool.query(`SELECT name FROM ${TABLE}`)).rows.map((r) => r.name as string));
  } catch (error) {
    rethrow(error);
  }
  return listMigrationFiles('postgres').map((m) => ({ name: m.name, applied: applied.has(m.name) }));
}

/** node-pg-migrate's advisory lock id: we wait on the same lock it tries. */
const MIGRATE_LOCK_ID = '7241865325823964';

/**
 * Runs migrations up (all pending) or down (`count`), returning the names it ran.
 * node-pg-migrate only *tries* its advisory lock and fails when another run holds it; we
 * first *wait* for the same lock on our session (advisory locks are re-entrant), so a
 * second concurrent `migrate up` waits, then finds nothing left to do.
 */
export async function pgMigrate(pool: pg.Pool, direction: 'up' | 'down', count?: number): Promise<string[]> {
  const { runner } = await import('node-pg-migrate');
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    rethrow(error);
  }
  try {
    await client.query("SET lock_timeout = '120s'");
    await client.query(`SELECT pg_advisory_lock(${MIGRATE_LOCK_ID})`);
    const ran = await runner({
      dbClient: client as never,
      dir: migrationsDir('postgres'),
      migrationsTable: TABLE,
      direction,
      count: direction === 'up' ? Infinity : count,
      checkOrder: true,
      log: () => {},
      verbose: false,
    });
    return ran.map((m) => m.name);
  } catch (error) {
    rethrow(error);
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${MIGRATE_LOCK_ID})`).catch(() => {});
    await client.query('RESET lock_timeout').catch(() => {});
    client.release();
  }
}
