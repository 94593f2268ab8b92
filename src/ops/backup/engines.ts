/**
 * The engine-specific half of backups behind one small interface, so create/verify/restore
 * read the same for PostgreSQL (pg_dump -Fc from an exported snapshot, pg_restore) and SQLite
 * (online backup API, file swap). Driver code loads lazily from the adapters' backup files.
 */
import type { AuditRow } from '../../store/rules.js';
import { mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from '../../config/load.js';
import { ConflictError } from '../../errors.js';
import { sqliteFile } from '../../store/open.js';
import type { Engine } from '../../store/types.js';
import { FILES } from './layout.js';
import { describeDatabase, planPgDump, planPgRestore, planPgRestoreList, tablesInRestoreList } from './pg-tools.js';
import { processesHolding } from './holders.js';
import { removeOnInterrupt } from '../interrupt.js';
import { runCommand } from '../runner.js';
import { toolVersion } from './tool.js';

/** What a dump step reports for the manifest. */
export interface DumpResult {
  tables: Record<string, number>;
  tools: Record<string, string>;
  pgSchema?: string;
}


/** Dump, inspect, drill-restore and restore one engine's database. */
export interface BackupEngine {
  readonly engine: Engine;
  /** File name of the dump inside a backup folder. */
  readonly dumpName: string;
  /** Tables in a dump that the store hides from describeTables (migration bookkeeping). */
  readonly bookkeeping: string[];
  /** Where the data lives, printable (no password). */
  readonly database: string;
  /** Writes a consistent dump into `file` and returns its per-table row counts. */
  dump(file: string): Promise<DumpResult>;
  /** Tables a dump holds; throws when the dump cannot be read. */
  dumpTables(file: string, pgSchema?: string): Promise<string[]>;
  /** Restores the dump somewhere throwaway and returns that copy's row counts. */
  scratchCounts(file: string, pgSchema?: string): Promise<{ where: string; tables: Record<string, number> }>;
  /** Throws ConflictError when a process outside systemd still holds the database in a way a restore would break. */
  checkNotInUse(): void;
  /** Replaces the live database with the dump. */
  restore(file: string): Promise<void>;
  /** Appends an audit row to the live database. */
  audit(row: AuditRow): Promise<void>;
}

/** The backup engine for the configured store. */
export function makeBackupEngine(config: Pick<Config, 'home' | 'databaseUrl'>): BackupEngine {
  return config.databaseUrl ? pgEngine(config.databaseUrl) : sqliteEngine(sqliteFile(config));
}

function pgEngine(url: string): BackupEngine {
  const sql = () => import('../../store/pg/backup.js');
  return {
    engine: 'postgres',
    dumpName: FILES.dump('postgres'),
    bookkeeping: ['pgmigrations'],
    database: describeDatabase(url),
    async dump(file) {
      const version = toolVersion('pg_dump');
      return (await sql()).withSnapshot(url, async (snap) => {
        await runCommand(planPgDump(url, file, snap.id));
        return { tables: await snap.tables, pgSchema: snap.schema, tools: { pg_dump: await version, postgresql_server: snap.serverVersion } };
      });
    },
    async dumpTables(file, pgSchema = 'public') {
      return tablesInRestoreList((await runCommand(planPgRestoreList(file))).stdout, pgSchema);
    },
    async scratchCounts(file, pgSchema = 'public') {
      const { countRowsAt, createScratchDatabase } = await sql();
      const scratch = await createScratchDatabase(url);
      try {
        await runCommand({ ...planPgRestore(scratch.url, file), why: `restore the dump into scratch database ${scratch.name}` });
        return { where: `scratch database ${scratch.name}`, tables: await countRowsAt(scratch.url, pgSchema) };
      } finally {
        await scratch.drop();
      }
    },
    checkNotInUse() {
      // PostgreSQL serialises the restore against other sessions with locks; nothing to check.
    },
    async restore(file) {
      await (await sql()).emptySchema(url);
      await runCommand(planPgRestore(url, file));
    },
    async audit(row) {
      await (await sql()).insertAudit(url, row);
    },
  };
}

function sqliteEngine(live: string): BackupEngine {
  const sql = () => import('../../store/sqlite/backup.js');
  return {
    engine: 'sqlite',
    dumpName: FILES.dump('sqlite'),
    bookkeeping: [],
    database: live,
    async dump(file) {
      const { tables, sqliteVersion } = await (await sql()).onlineBackup(live, file);
      return { tables, tools: { sqlite: sqliteVersion } };
    },
    async dumpTables(file) {
      return (await sql()).tablesIn(file);
    },
    async scratchCounts(file) {
      const dir = mkdtempSync(path.join(tmpdir(), 'ttops-verify-'));
      const forget = removeOnInterrupt(dir);
      try {
        const copy = path.join(dir, 'db.sqlite');
        copyFileSync(file, copy);
        return { where: 'the restored copy', tables: (await sql()).checkCopy(copy) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
        forget();
      }
    },
    checkNotInUse() {
      const holders = processesHolding(live);
      if (holders.length) {
        throw new ConflictError('database_in_use', `the SQLite database ${live} is open in process ${holders.join(', ')} — stop \`ttops serve\`/\`ttops worker\` there first, then run the restore again`);
      }
    },
    async restore(file) {
      this.checkNotInUse();
      (await sql()).replaceDatabase(file, live);
    },
    async audit(row) {
      (await sql()).insertAudit(live, row);
    },
  };
}
