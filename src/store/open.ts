/**
 * Choosing the engine: `DATABASE_URL` set → PostgreSQL, otherwise the SQLite file in
 * TTOPS_HOME. Adapters load lazily so `pg` and `better-sqlite3` only load when used.
 */
import path from 'node:path';
import type { Config } from '../config/load.js';
import type { Store } from './types.js';

/** Where the embedded database lives. */
export function sqliteFile(config: Pick<Config, 'home'>): string {
  return path.join(config.home, 'ttops.db');
}

/** Opens the store the configuration names. */
export async function openStore(config: { home: string; databaseUrl?: string }): Promise<Store> {
  if (config.databaseUrl) {
    const { PgStore } = await import('./pg/index.js');
    return new PgStore(config.databaseUrl);
  }
  const { SqliteStore } = await import('./sqlite/index.js');
  return new SqliteStore(sqliteFile(config));
}
