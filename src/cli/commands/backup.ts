/**
 * `ttops backup create|list|verify|restore|prune`: flags tidied, one ops call each, results
 * printed. Each command imports only its own ops module (a timer-driven `create` should not
 * pay for loading restore and verify).
 */
import path from 'node:path';
import type { Config } from '../../config/load.js';
import { FailureError } from '../../errors.js';
import { humanSize } from '../../ops/backup/files.js';
import { interruptible } from '../../ops/interrupt.js';
import type { ProgressOptions } from '../../ops/progress.js';
import { askYesNo, canPrompt } from '../confirm.js';
import { cliActor, commandConfig } from '../context.js';
import { printResult, say, table, type GlobalOptions, type Io } from '../io.js';

function backupDir(io: Io, config: Config, dir?: string): string {
  return path.resolve(io.cwd, dir ?? config.backupDir);
}

/** Steps on stderr: a task list on a colour terminal, plain lines in logs, nothing with --json. */
function progressFor(io: Io, globals: GlobalOptions): ProgressOptions {
  const terminal = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
  return { stream: io.stderr, fancy: terminal && globals.color && !globals.json, quiet: globals.json };
}

/** Writes a backup and prints where it went. */
export async function runBackupCreate(io: Io, globals: GlobalOptions, options: { dir?: string }): Promise<void> {
  const config = commandConfig(io, globals);
  const { createBackup } = await import('../../ops/backup/create.js');
  const dir = backupDir(io, config, options.dir);
  const result = await interruptible('backup create', () => createBackup(config, { dir, progress: progressFor(io, globals) }));
  printResult(io, globals, result, () =>
    `created backup ${result.id} in ${result.path} (${humanSize(result.size)}; ${result.tables} tables, ${result.rows} rows; ${result.media_files} media files${result.env_file ? '; env file' : ''})`,
  );
}

/** Lists backups, newest first. */
export async function runBackupList(io: Io, globals: GlobalOptions, options: { dir?: string }): Promise<void> {
  const config = commandConfig(io, globals);
  const dir = backupDir(io, config, options.dir);
  const { listBackups } = await import('../../ops/backup/list.js');
  const rows = listBackups(dir).map((b) => ({ id: b.id, time: b.time, engine: b.engine, size: b.size, status: b.status, problem: b.problem ?? null, path: b.path }));
  printResult(io, globals, rows, () =>
    rows.length ? table(rows.map((r) => ({ ...r, size: humanSize(r.size) })), ['id', 'time', 'engine', 'size', 'status', 'problem']) : `no backups in ${dir}`,
  );
}

/** Verifies one backup; exit 1 (FailureError) on any mismatch. */
export async function runBackupVerify(io: Io, globals: GlobalOptions, id: string, options: { dir?: string; restore?: boolean }): Promise<void> {
  const config = commandConfig(io, globals);
  const { verifyBackup } = await import('../../ops/backup/verify.js');
  const dir = backupDir(io, config, options.dir);
  // Without a terminal verify stays as scripts know it: one result line, or one error line.
  const progress = progressFor(io, globals);
  const result = await interruptible('backup verify', () => verifyBackup(config, id, { dir, restore: options.restore, progress: { ...progress, quiet: progress.quiet || !progress.fancy } }));
  printResult(io, globals, result, () => {
    const lines = [`backup ${result.id} ok: ${result.files.map((f) => f.name).join(', ')} match their size and sha256`];
    if (result.restore) lines.push(`restored into ${result.restore.where}: ${result.restore.tables} tables, ${result.restore.rows} rows and ${result.restore.media_files} media files match the manifest`);
    return lines.join('\n');
  });
}

/** Restores a backup over the live data. */
export async function runBackupRestore(io: Io, globals: GlobalOptions, id: string, options: { dir?: string; yes?: boolean; withEnv?: boolean }): Promise<void> {
  const config = commandConfig(io, globals);
  const { restoreBackup } = await import('../../ops/backup/restore.js');
  const dir = backupDir(io, config, options.dir);
  const progress = progressFor(io, globals);
  // The shared terminal prompt (plain without colour); without a terminal restore refuses by itself.
  const confirm = canPrompt(io) ? (question: string) => askYesNo(question, globals) : undefined;
  // Long enough for units stopped by the restore to be started again after Ctrl-C.
  const result = await interruptible('backup restore', () => restoreBackup(config, id, { dir, yes: options.yes, withEnv: options.withEnv, actor: cliActor(io).actor, io, progress, confirm }), { graceMs: 60_000 });
  printResult(io, globals, result, () =>
    [
      `restored backup ${result.id}: ${result.tables} tables, ${result.rows} rows, ${result.media_files} media files`,
      result.safety_backup ? `safety backup: ${result.safety_backup} (go back with \`ttops backup restore ${result.safety_backup} --yes\`)` : 'safety backup: none (the database was empty)',
      `env file: ${result.env === 'skipped' ? 'skipped (pass --with-env to restore it)' : result.env}`,
      `units: ${result.units.note}`,
      ...(result.migrations_pending.length ? [`the restored schema lacks ${result.migrations_pending.join(', ')} — run \`ttops migrate up\``] : []),
    ].join('\n'),
  );
}

/** Applies GFS retention. */
export async function runBackupPrune(io: Io, globals: GlobalOptions, options: { dir?: string; keepDaily: number; keepWeekly: number; keepMonthly: number; dryRun?: boolean }): Promise<void> {
  const config = commandConfig(io, globals);
  const { pruneBackups } = await import('../../ops/backup/prune.js');
  const result = pruneBackups({ dir: backupDir(io, config, options.dir), policy: { daily: options.keepDaily, weekly: options.keepWeekly, monthly: options.keepMonthly }, dryRun: options.dryRun });
  printResult(io, globals, result, () =>
    [
      ...result.keep.map((k) => `keep    ${k.id}  (${k.reasons.join(', ')})`),
      ...result.delete.map((d) => `${result.dry_run ? 'would delete' : 'deleted'} ${d.id}  (${d.reason})`),
      `${result.keep.length} kept, ${result.delete.length} ${result.dry_run ? 'to delete (dry run: nothing deleted)' : 'deleted'}`,
    ].join('\n'),
  );
  if (!globals.json && result.keep.length === 0 && result.delete.length === 0) say(io, `no backups in ${result.dir}`);
  if (result.failed.length) {
    throw new FailureError('prune_failed', `could not delete ${result.failed.length} backup(s) in ${result.dir}, first ${result.failed[0].id}: ${result.failed[0].message} — check the folder's owner and permissions`);
  }
}
