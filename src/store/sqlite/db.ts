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
    return db;
  } catch (cause) {
    throw new UnreachableError('store_unreachable', `cannot open SQLite database ${file} — check that TTOPS_HOME is writable`, { cause });
  }
}

/** Whether an error is SQLite's unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
