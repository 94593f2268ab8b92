/**
 * What `create` checks before it calls a backup good — pure, so the rules are unit-tested:
 * the dump is not trivially small, the database had tables, and the dump holds exactly the
 * tables the store has (a schema-only or wrong-database dump fails loudly instead of
 * silently filling the disk with useless files).
 */
import type { Engine } from '../../store/types.js';

/** Smallest believable dump: an empty-but-migrated database is already larger than this. */
export const DUMP_FLOOR: Record<Engine, number> = { postgres: 1024, sqlite: 8192 };

/** The facts a fresh backup is judged on. */
export interface WrittenFacts {
  engine: Engine;
  dumpName: string;
  dumpSize: number;
  /** Tables (and views) the dump file holds (pg_restore --list / the copy's sqlite_master). */
  dumpTables: string[];
  /** Tables the live store reports (describeTables). */
  storeTables: string[];
  /** Tables the store hides but the dump carries (pgmigrations). */
  bookkeeping: string[];
  /** Tables counted for the manifest (real tables only). */
  countedTables: string[];
}

/** The first problem with a freshly written backup, as a sentence, or undefined when it is good. */
export function checkWritten(f: WrittenFacts): string | undefined {
  if (f.storeTables.length === 0) return 'the database has no tables — run `ttops migrate up` first; there is nothing worth backing up';
  if (f.dumpSize < DUMP_FLOOR[f.engine]) return `${f.dumpName} is only ${f.dumpSize} bytes (expected at least ${DUMP_FLOOR[f.engine]}) — the dump is empty or truncated`;
  const inDump = new Set(f.dumpTables);
  const missing = f.storeTables.find((t) => !inDump.has(t));
  if (missing) return `table ${missing} is in the database but not in ${f.dumpName} — the dump is incomplete`;
  const known = new Set([...f.storeTables, ...f.bookkeeping]);
  const extra = f.dumpTables.find((t) => !known.has(t));
  if (extra) return `${f.dumpName} holds table ${extra}, which the database does not have — the dump came from somewhere else`;
  const notDumped = f.countedTables.find((t) => !inDump.has(t));
  if (notDumped) return `table ${notDumped} was counted but is not in ${f.dumpName} — the dump is incomplete`;
  return undefined;
}
