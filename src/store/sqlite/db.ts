/**
 * Opening the embedded SQLite database: WAL so readers never block the writer, a busy
 * timeout so several processes (serve + workers) can share one file, foreign keys on.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { UnreachableError } from '../../errors.js';

export type SqliteDb = Database.Database;

/** Opens (creating if needed) the database file with ttops's pragmas. */
export function openSqlite(file: string): SqliteDb {
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    cacheStatements(db);
    return db;
  } catch (cause) {
    throw new UnreachableError('store_unreachable', `cannot open SQLite database ${file} — check that TTOPS_HOME is writable`, { cause });
  }
}

/** Most statements kept per connection; SQL built from varying parts stops being cached past it. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Makes `db.prepare` return the statement prepared earlier for the same SQL: the store
 * prepares at each call, and compiling the SQL again cost more than running it on the
 * live path (a user lookup and a bus insert per event). The store never uses a statement
 * in a mode that would leak into the next caller (`pluck`, `raw`, `expand`, `iterate`).
 */
export function cacheStatements(db: SqliteDb): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      statement = prepare(source);
      if (cache.size < STATEMENT_CACHE_SIZE) cache.set(source, statement);
    }
    return statement;
  }) as SqliteDb['prepare'];
}

/** Whether an error is SQLite's unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
