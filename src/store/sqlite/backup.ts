/**
 * The SQLite side of backups: SQLite's online backup API (consistent while serve and
 * workers keep writing), integrity checks and row counts of a copy, atomic replacement of
 * the live file, and the restore's audit row. The only backup code that imports
 * better-sqlite3.
 */
import type { AuditRow } from '../rules.js';
import Database from 'better-sqlite3';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FailureError, UnreachableError } from '../../errors.js';

type Db = Database.Database;

function open(file: string, options: Database.Options = {}): Db {
  try {
    const db = new Database(file, { fileMustExist: true, ...options });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (cause) {
    throw new FailureError('sqlite_unreadable', `${file} is not a readable SQLite database — ${(cause as Error).message}`, { cause });
  }
}

function tablesOf(db: Db): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

function countTables(db: Db): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of tablesOf(db)) counts[name] = (db.prepare(`SELECT count(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number }).n;
  return counts;
}

/**
 * Copies the live database into `dest` with the online backup API, then switches the copy to
 * rollback-journal mode so opening it read-only later never litters the backup folder with
 * -wal/-shm files. Returns the copy's row counts: what the manifest records.
 */
export async function onlineBackup(liveFile: string, dest: string): Promise<{ tables: Record<string, number>; sqliteVersion: string }> {
  if (!existsSync(liveFile)) throw new FailureError('no_database', `there is no database at ${liveFile} — nothing to back up (run \`ttops migrate up\` first)`);
  const live = open(liveFile);
  try {
    await live.backup(dest);
  } catch (cause) {
    throw new UnreachableError('store_unreachable', `SQLite online backup of ${liveFile} failed — ${(cause as Error).message}`, { cause });
  } finally {
    live.close();
  }
  const copy = open(dest);
  try {
    copy.pragma('journal_mode = DELETE');
    return { tables: countTables(copy), sqliteVersion: (copy.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v };
  } finally {
    copy.close();
  }
}

/** The tables a backup copy holds (create's check that nothing is missing). */
export function tablesIn(file: string): string[] {
  const db = open(file, { readonly: true });
  try {
    return tablesOf(db);
  } finally {
    db.close();
  }
}

/** Runs `PRAGMA integrity_check` on a (scratch) copy and returns its row counts; throws naming the first problem. */
export function checkCopy(file: string): Record<string, number> {
  const db = open(file);
  try {
    const result = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (result[0] !== 'ok') throw new FailureError('backup_corrupt', `PRAGMA integrity_check failed on the restored copy: ${result.slice(0, 3).join('; ')}`);
    return countTables(db);
  } finally {
    db.close();
  }
}

/**
 * Replaces the live database with a backup copy atomically: the copy is checked and put in
 * WAL mode next to the live file, the live file is checkpointed, then one rename swaps them.
 * The caller has made sure no daemon holds the file open.
 */
export function replaceDatabase(backupFile: string, liveFile: string): void {
  const temp = `${liveFile}.restore-${randomBytes(4).toString('hex')}`;
  mkdirSync(path.dirname(liveFile), { recursive: true, mode: 0o700 });
  try {
    copyFileSync(backupFile, temp);
    const copy = open(temp);
    try {
      const ok = (copy.pragma('quick_check') as { quick_check: string }[])[0]?.quick_check;
      if (ok !== 'ok') throw new FailureError('backup_corrupt', `the backup copy of the database fails quick_check (${ok}); nothing was replaced`);
      copy.pragma('journal_mode = WAL');
    } finally {
      copy.close();
    }
    keepOwnerAndMode(temp, existsSync(liveFile) ? liveFile : path.dirname(liveFile));
    if (existsSync(liveFile)) {
      const live = open(liveFile);
      try {
        live.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        live.close();
      }
    }
    for (const suffix of ['-wal', '-shm']) rmSync(`${liveFile}${suffix}`, { force: true });
    renameSync(temp, liveFile);
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${temp}${suffix}`, { force: true });
  }
}

/** The restored file keeps the live file's mode and (when root restores) its owner, so the daemons can still open it. */
function keepOwnerAndMode(file: string, like: string): void {
  const st = statSync(like);
  chmodSync(file, st.isDirectory() ? 0o600 : st.mode & 0o777);
  if (process.getuid?.() === 0) chownSync(file, st.uid, st.gid);
}

/** Appends one audit row (the restore records itself in the database it restored). */
export function insertAudit(file: string, row: AuditRow): void {
  const db = open(file);
  try {
    db.prepare('INSERT INTO audit_log (actor, action, subject, detail) VALUES (?, ?, ?, ?)').run(row.actor, row.action, row.subject, row.detail);
  } finally {
    db.close();
  }
}
