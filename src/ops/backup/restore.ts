/**
 * `ttops backup restore ID`: confirm, stop the ttops units (only where installed and systemd
 * is usable), take a safety backup, replace database and media (the env file only with
 * `--with-env`), record `backup.restore` in the audit log, start the units again. Every
 * failure after the safety backup names it, so the operator can go back.
 */
import { audit } from '../../store/rules.js';
import { chmodSync, copyFileSync, existsSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/load.js';
import { ConflictError, FailureError, InvalidInputError } from '../../errors.js';
import { listMigrationFiles } from '../../store/migration-files.js';
import type { Engine } from '../../store/types.js';
import { say, type Io } from '../../io.js';
import { InterruptedError, removeOnInterrupt, shielded } from '../interrupt.js';
import { NO_PROGRESS, showStep, type ProgressOptions } from '../progress.js';
import { createBackup, hasData } from './create.js';
import { makeBackupEngine } from './engines.js';
import { adoptOwner, humanSize } from './files.js';
import { FILES } from './layout.js';
import { findBackup } from './list.js';
import { manifestSize } from './manifest.js';
import { restoreMedia } from './media.js';
import { readUnitCycle, startUnits, stopUnits, systemdUsable, type UnitCycle } from './units.js';
import { checkFiles, requireGood } from './verify.js';

/** How to restore. `confirm` is injectable; by default it prompts on a terminal. */
export interface RestoreOptions {
  dir: string;
  yes?: boolean;
  withEnv?: boolean;
  actor: string;
  io: Io;
  confirm?: (message: string) => Promise<boolean>;
  /** How to show the steps (nothing by default). */
  progress?: ProgressOptions;
}

/** What `restore` prints (`--json`). */
export interface RestoreResult {
  id: string;
  engine: Engine;
  /** null when the database was empty before (nothing to save). */
  safety_backup: string | null;
  tables: number;
  rows: number;
  media_files: number;
  env: 'restored' | 'skipped' | 'none in backup';
  env_file: string | null;
  units: { managed: boolean; stopped: string[]; started: string[]; note: string };
  /** Migrations this ttops has that the restored schema lacks (run `ttops migrate up`). */
  migrations_pending: string[];
}

async function askOnTerminal(message: string): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  try {
    return await confirm({ message, default: false });
  } catch (error) {
    // Ctrl-C at the prompt: inquirer rejects with ExitPromptError.
    if ((error as Error).name === 'ExitPromptError') throw new InterruptedError('restore was interrupted at the question; nothing was changed.');
    throw error;
  }
}

/** Restores backup `id` over the live data. */
export async function restoreBackup(config: Config, id: string, options: RestoreOptions): Promise<RestoreResult> {
  const { io } = options;
  const progress = options.progress ?? NO_PROGRESS;
  const entry = requireGood(findBackup(options.dir, id));
  const { manifest } = entry;
  const current: Engine = config.databaseUrl ? 'postgres' : 'sqlite';
  if (manifest.engine !== current) {
    throw new ConflictError('engine_mismatch', `backup ${entry.id} is a ${manifest.engine} backup but this installation uses ${current} — restore it where DATABASE_URL ${manifest.engine === 'postgres' ? 'points at PostgreSQL' : 'is unset'}`);
  }
  const interactive = io.isTty && Boolean(process.stdin.isTTY);
  if (!options.yes && !options.confirm && !interactive) {
    throw new InvalidInputError('confirmation_required', 'restore replaces the database and media and there is no terminal to confirm on — pass --yes to go ahead');
  }
  await showStep(`Check sizes and sha256 of backup ${entry.id}`, async () => `${(await checkFiles(entry)).length} files, ${humanSize(manifestSize(manifest))}`, progress);
  const engine = makeBackupEngine(config);

  if (!options.yes) {
    const question = `Replace ${engine.database} and ${config.mediaDir} with backup ${entry.id} (${manifest.created_at})? A safety backup is taken first.`;
    if (!(await (options.confirm ?? askOnTerminal)(question))) throw new FailureError('restore_cancelled', 'restore cancelled; nothing was changed');
  }

  const bin = config.systemctl.bin;
  const usable = systemdUsable(config);
  const cycle: UnitCycle = usable ? await readUnitCycle(bin) : { installed: [], stop: [], start: [] };
  const note = !usable
    ? 'systemd is not running here, so no units were touched: restored the data alone (stop any ttops serve/worker you started by hand first)'
    : cycle.installed.length === 0
      ? 'no ttops units are installed: restored the data alone'
      : cycle.stop.length === 0
        ? 'ttops units are installed but none was running: restored the data alone'
        : `stopped ${cycle.stop.join(', ')} during the restore and started them again`;
  if (cycle.stop.length) say(io, `stopping ${cycle.stop.join(', ')}`);
  // Units stopped here run again on any failure or interrupt before the data is touched.
  const startAgain = (units: string[]) => shielded(() => startUnits(bin, units));
  const stopped: string[] = [];
  try {
    if (cycle.stop.length) {
      await showStep(`Stop ${cycle.stop.join(', ')}`, async () => {
        for (const unit of cycle.stop) {
          await stopUnits(bin, [unit]);
          stopped.push(unit);
        }
      }, progress);
    }
    engine.checkNotInUse();
  } catch (error) {
    await startAgain([...stopped].reverse());
    throw error;
  }

  let safety: string | null = null;
  try {
    if (await hasData(config)) {
      await showStep('Take a safety backup of the current data', async () => {
        const made = await createBackup(config, { dir: options.dir });
        safety = made.id;
        return `${made.id} (${humanSize(made.size)})`;
      }, progress);
    }
  } catch (error) {
    await startAgain(cycle.start);
    if (error instanceof InterruptedError) throw new InterruptedError(`restore was interrupted during the safety backup; nothing was restored${cycle.start.length ? ` and ${cycle.start.join(', ')} run again` : ''}.`, { cause: error });
    throw new FailureError('safety_backup_failed', `the safety backup failed, so nothing was restored: ${(error as Error).message}`, { cause: error });
  }
  say(io, safety ? `safety backup ${safety} taken — go back with \`ttops backup restore ${safety} --yes\`` : 'the database is empty (a fresh install?), so there is nothing to take a safety backup of');

  const leftStopped = cycle.stop.length ? `; ${cycle.stop.join(', ')} ${cycle.stop.length > 1 ? 'were' : 'was'} left stopped` : '';
  const goBack = safety ? `go back with \`ttops backup restore ${safety} --yes\`` : 'there was no data before, so no safety backup to go back to';
  let mediaFiles = 0;
  let env: RestoreResult['env'] = 'none in backup';
  let envFile: string | null = null;
  try {
    const dump = path.join(entry.path, engine.dumpName);
    await showStep(`Restore the ${manifest.engine} database`, async () => {
      await engine.restore(dump);
      return `${Object.keys(manifest.tables).length} tables from ${humanSize(statSync(dump).size)}`;
    }, progress);
    await showStep(`Restore the media into ${config.mediaDir}`, async () => {
      mediaFiles = await restoreMedia(path.join(entry.path, FILES.media), config.mediaDir);
      return `${mediaFiles} files`;
    }, progress);
    if (manifest.files.some((f) => f.kind === 'env')) {
      envFile = config.envFile ?? manifest.env_file;
      if (options.withEnv && envFile) {
        replacePrivate(path.join(entry.path, FILES.env), envFile);
        env = 'restored';
      } else {
        env = 'skipped';
        say(io, `the backup's env file was not restored (secrets are only restored with --with-env)`);
      }
    }
    await engine.audit(audit.other({ actor: options.actor }, 'backup.restore', `backup:${entry.id}`, { safety_backup: safety, media_files: mediaFiles, env, units: cycle.stop }));
  } catch (error) {
    if (error instanceof InterruptedError) {
      throw new InterruptedError(`restore of backup ${entry.id} was interrupted — the data may be half-restored; ${goBack}${leftStopped}.`, { cause: error });
    }
    throw new FailureError('restore_failed', `restoring backup ${entry.id} failed: ${(error as Error).message} — the data may be half-restored; ${goBack}${leftStopped}`, { cause: error });
  }

  let failed: { unit: string; message: string }[] = [];
  if (cycle.start.length) {
    await showStep(`Start ${cycle.start.join(', ')} again`, async () => void (failed = await startAgain(cycle.start)), progress);
  }
  if (failed.length) {
    throw new FailureError('units_failed', `backup ${entry.id} was restored${safety ? ` (safety backup ${safety})` : ''}, but ${failed.map((f) => f.unit).join(', ')} did not start: ${failed[0].message} — see \`journalctl -u ${failed[0].unit}\``);
  }
  const applied = new Set(manifest.migrations);
  return {
    id: entry.id,
    engine: manifest.engine,
    safety_backup: safety,
    tables: Object.keys(manifest.tables).length,
    rows: Object.values(manifest.tables).reduce((a, b) => a + b, 0),
    media_files: mediaFiles,
    env,
    env_file: env === 'none in backup' ? null : envFile,
    units: { managed: cycle.stop.length > 0, stopped: cycle.stop, started: cycle.start, note },
    migrations_pending: listMigrationFiles(manifest.engine).map((m) => m.name).filter((n) => !applied.has(n)),
  };
}

/** Writes a private (0600) copy over `target` atomically, keeping the current file's owner. */
function replacePrivate(from: string, target: string): void {
  const temp = `${target}.ttops-restore`;
  const forget = removeOnInterrupt(temp);
  copyFileSync(from, temp);
  chmodSync(temp, 0o600);
  adoptOwner([temp], existsSync(target) ? target : path.dirname(target));
  renameSync(temp, target);
  forget();
}
