/**
 * How backups sit on disk: one folder per backup named by its id, written under a temp name
 * and renamed into place when complete. Pure names, parsing and judgements; nothing here
 * touches disk.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Engine } from '../../store/types.js';

/** File names inside one backup folder (stable: old backups must stay readable). */
export const FILES = {
  manifest: 'manifest.json',
  media: 'media.tar.gz',
  env: 'ttops.env',
  dump: (engine: Engine) => (engine === 'postgres' ? 'db.dump' : 'db.sqlite'),
} as const;

/** Prefix of a folder still being written; `list` shows it as incomplete, `prune` removes stale ones. */
export const TEMP_PREFIX = '.tmp-';

const ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-[0-9a-f]{6}$/;

/** A new backup id: UTC time to the second (sorts by time) plus a random suffix (two runs in one second). */
export function makeBackupId(now: Date, suffix = randomBytes(3).toString('hex')): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${suffix}`;
}

/** Whether a folder name is a backup id (prune never touches anything else in the folder). */
export function isBackupId(name: string): boolean {
  return ID.test(name);
}

/** The time encoded in an id, or undefined when it is not one. */
export function idTime(id: string): Date | undefined {
  const m = ID.exec(id);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

/** The backup id inside a temp folder name, if it is one of ours. */
export function tempId(name: string): string | undefined {
  if (!name.startsWith(TEMP_PREFIX)) return undefined;
  const id = name.slice(TEMP_PREFIX.length);
  return isBackupId(id) ? id : undefined;
}

/** File inside a temp folder naming the process writing it (removed before the rename into place). */
export const TEMP_WRITER = 'writer.pid';

/** A day: past it, any unfinished folder is judged by age alone (its pid may have been reused). */
const DAY_MS = 86_400_000;

/** The writer file's text: `pid host`. */
export function renderWriter(pid = process.pid, host = hostname()): string {
  return `${pid} ${host}\n`;
}

/** The facts `staleTemp` judges a temp folder on. */
export interface TempFacts {
  /** The writer file's text, or undefined when there is none. */
  writer?: string;
  /** When the run started (from the id). */
  started: Date;
  now: Date;
  host: string;
  /** Whether a pid runs on this host. */
  alive: (pid: number) => boolean;
}

/**
 * Whether a temp folder is a leftover of a run that died: a reason (delete it now) when its
 * writer on this host is gone, false while that writer still runs, undefined when only its
 * age can tell (no writer file: an older ttops; another host; or older than a day).
 */
export function staleTemp(f: TempFacts): string | false | undefined {
  const m = f.writer ? /^(\d+) (\S+)/.exec(f.writer.trim()) : null;
  if (!m || m[2] !== f.host || f.now.getTime() - f.started.getTime() > DAY_MS) return undefined;
  const pid = Number(m[1]);
  return f.alive(pid) ? false : `unfinished: the backup run that wrote it (pid ${pid}) is gone`;
}
