/**
 * `ttops backup verify ID [--restore]`: re-hash every file against the manifest and read the
 * dump's table of contents; with `--restore`, restore the dump somewhere throwaway (a
 * scratch PostgreSQL database, or a temp copy of the SQLite file) and compare per-table row
 * counts and the media file count with the manifest. Any mismatch throws FailureError
 * (exit 1) with one sentence naming the file or table.
 */
import path from 'node:path';
import type { Config } from '../../config/load.js';
import { ConfigError, FailureError } from '../../errors.js';
import { InterruptedError } from '../interrupt.js';
import { NO_PROGRESS, runProgress, type ProgressOptions, type ProgressStep } from '../progress.js';
import { makeBackupEngine } from './engines.js';
import { humanSize, sha256File } from './files.js';
import { FILES } from './layout.js';
import { findBackup, type BackupEntry } from './list.js';
import { compareCounts, type Manifest } from './manifest.js';
import { countArchive } from './media.js';

/** What `verify` prints (`--json`). */
export interface VerifyResult {
  id: string;
  path: string;
  engine: Manifest['engine'];
  files: { name: string; size: number; sha256: string }[];
  restore?: { where: string; tables: number; rows: number; media_files: number };
}

/** A backup that `list` calls ok, or FailureError saying why not. */
export function requireGood(entry: BackupEntry): BackupEntry & { manifest: Manifest } {
  if (entry.status !== 'ok' || !entry.manifest) throw new FailureError('backup_corrupt', `backup ${entry.id} is ${entry.status}: ${entry.problem}`);
  return entry as BackupEntry & { manifest: Manifest };
}

/** Checks every file's sha256 (and size); throws naming the first file that differs. */
export async function checkFiles(entry: BackupEntry & { manifest: Manifest }): Promise<VerifyResult['files']> {
  const checked: VerifyResult['files'] = [];
  for (const f of entry.manifest.files) {
    const actual = await sha256File(path.join(entry.path, f.name));
    if (actual !== f.sha256) {
      throw new FailureError('backup_corrupt', `${f.name} in backup ${entry.id} is corrupt: its sha256 is ${actual.slice(0, 12)}… but the manifest says ${f.sha256.slice(0, 12)}…`);
    }
    checked.push({ name: f.name, size: f.size, sha256: f.sha256 });
  }
  return checked;
}

/** Verifies backup `id` in `dir`; `restore` adds the restore drill; `progress` says how to show the steps. */
export async function verifyBackup(config: Config, id: string, options: { dir: string; restore?: boolean; progress?: ProgressOptions }): Promise<VerifyResult> {
  const entry = requireGood(findBackup(options.dir, id));
  const { manifest } = entry;
  const dumpName = manifest.files.find((f) => f.kind === 'db')?.name ?? FILES.dump(manifest.engine);
  const dumpFile = path.join(entry.path, dumpName);
  if (manifest.engine === 'postgres' && options.restore && !config.databaseUrl) {
    throw new ConfigError(`verify --restore of PostgreSQL backup ${entry.id} needs DATABASE_URL: its server hosts the scratch database`);
  }
  // Reading the dump needs no server; only the scratch restore does.
  const engine = makeBackupEngine({ home: config.home, databaseUrl: manifest.engine === 'postgres' ? config.databaseUrl ?? 'postgres://localhost/postgres' : undefined });
  let result!: VerifyResult;
  const steps: ProgressStep[] = [
    {
      title: `Check sizes and sha256 of backup ${entry.id}`,
      run: async () => {
        const files = await checkFiles(entry);
        result = { id: entry.id, path: entry.path, engine: manifest.engine, files };
        return `${files.length} files, ${humanSize(files.reduce((a, f) => a + f.size, 0))}`;
      },
    },
    {
      title: `Read ${dumpName}'s table of contents`,
      run: async () => {
        let dumpTables: string[];
        try {
          dumpTables = await engine.dumpTables(dumpFile, manifest.pg_schema);
        } catch (cause) {
          if (/is not installed/.test((cause as Error).message) || cause instanceof InterruptedError) throw cause;
          throw new FailureError('backup_corrupt', `${dumpName} in backup ${entry.id} cannot be read as a ${manifest.engine} dump — ${(cause as Error).message}`, { cause });
        }
        const missing = Object.keys(manifest.tables).find((t) => !dumpTables.includes(t));
        if (missing) throw new FailureError('backup_mismatch', `backup ${entry.id}: table ${missing} is in the manifest but not in ${dumpName}`);
        return `${dumpTables.length} tables`;
      },
    },
  ];
  if (options.restore) {
    steps.push({
      title: manifest.engine === 'postgres' ? 'Restore the dump into a scratch database and count rows' : 'Check a copy of the database and count rows',
      run: async () => {
        const scratch = await engine.scratchCounts(dumpFile, manifest.pg_schema);
        const mismatch = compareCounts(manifest.tables, scratch.tables, scratch.where);
        if (mismatch) throw new FailureError('backup_mismatch', `backup ${entry.id}: ${mismatch}`);
        const rows = Object.values(scratch.tables).reduce((a, b) => a + b, 0);
        result.restore = { where: scratch.where, tables: Object.keys(scratch.tables).length, rows, media_files: 0 };
        return `${result.restore.tables} tables, ${rows} rows match`;
      },
    });
    steps.push({
      title: 'Unpack the media archive and count files',
      run: async () => {
        const mediaName = manifest.files.find((f) => f.kind === 'media')?.name ?? FILES.media;
        const mediaFiles = await countArchive(path.join(entry.path, mediaName)).catch((cause: unknown) => {
          if (cause instanceof InterruptedError) throw cause;
          throw new FailureError('backup_corrupt', `${mediaName} in backup ${entry.id} cannot be unpacked — ${(cause as Error).message}`, { cause });
        });
        if (mediaFiles !== manifest.media.files) {
          throw new FailureError('backup_mismatch', `${mediaName} in backup ${entry.id} holds ${mediaFiles} files but the manifest says ${manifest.media.files}`);
        }
        result.restore!.media_files = mediaFiles;
        return `${mediaFiles} files match`;
      },
    });
  }
  await runProgress(steps, options.progress ?? NO_PROGRESS);
  return result;
}
