/**
 * SQLite migrations: the same numbered steps as PostgreSQL, applied in order and counted
 * in `PRAGMA user_version`. Each step runs in an immediate transaction, which also keeps
 * two processes from migrating one file at once.
 */
import { listMigrationFiles, readMigration } from '../migration-files.js';
import type { MigrationState } from '../types.js';
import type { SqliteDb } from './db.js';

/** Which steps have run. */
export function sqliteMigrationStatus(db: SqliteDb): MigrationState[] {
  const level = db.pragma('user_version', { simple: true }) as number;
  return listMigrationFiles('sqlite').map((m, i) => ({ name: m.name, applied: i < level }));
}

/** Applies every pending step; returns their names. */
export function sqliteMigrateUp(db: SqliteDb): string[] {
  const files = listMigrationFiles('sqlite');
  const applied: string[] = [];
  for (;;) {
    const step = db.transaction(() => {
      const level = db.pragma('user_version', { simple: true }) as number;
      const next = files[level];
      if (!next) return undefined;
      db.exec(readMigration(next.file).up);
      db.pragma(`user_version = ${level + 1}`);
      return next.name;
    }).immediate();
    if (!step) return applied;
    applied.push(step);
  }
}

/** Reverts the last `count` steps; returns their names. */
export function sqliteMigrateDown(db: SqliteDb, count: number): string[] {
  const files = listMigrationFiles('sqlite');
  const reverted: string[] = [];
  for (let i = 0; i < count; i++) {
    const step = db.transaction(() => {
      const level = db.pragma('user_version', { simple: true }) as number;
      if (level === 0) return undefined;
      const last = files[level - 1];
      db.exec(readMigration(last.file).down);
      db.pragma(`user_version = ${level - 1}`);
      return last.name;
    }).immediate();
    if (!step) break;
    reverted.push(step);
  }
  return reverted;
}
