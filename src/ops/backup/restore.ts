/**
 * `ttops backup restore ID`: confirm, stop the ttops units (only where installed and systemd
 * is usable), take a safety backup, replace database and media (the env file only with
 * `--with-env`), record `backup.restore` in the audit log, start the units again. Every
 * failure after the safety backup names it, so the operator can go back.
 */
import { chmodSync, copyFileSync, existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/load.js';
import { ConflictError, FailureError, InvalidInputError } from '../../errors.js';
import { listMigrationFiles } from '../../store/migration-files.js';
import type { Engine } from '../../store/types.js';
import { say, type Io } from '../../cli/io.js';
import { createBackup, hasData } from './create.js';
import { makeBackupEngine } from './engines.js';
import { adoptOwner } from './files.js';
import { FILES } from './layout.js';
import { findBackup } from './list.js';
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
  return confirm({ message, default: false });
}

/** Restores backup `id` over the live data. */
export async function restoreBackup(config: Config, id: string, options: RestoreOptions): Promise<RestoreResult> {
  const { io } = options;
  const entry = requireGood(findBackup(options.dir, id));
  const { manifest } = entry;
  const current: Engine = config.databaseUrl ? 'postgres' : 'sqlite';
  if (manifest.engine !== current) {
    throw new ConflictError('engine_mismatch', `backup ${entry.id} is a ${manifest.engine} backup but this installation uses ${current} — restore it where DATABASE_URL ${manifest.engine === 'postgres' ? 'points at PostgreSQL' : 'is unset'}`);
  }
  await checkFiles(entry);
  const engine = makeBackupEngine(config);

  if (!options.yes) {
    const interactive = io.isTty && Boolean(process.stdin.isTTY);
    if (!options.confirm && !interactive) {
      throw new InvalidInputError('confirmation_required', 'restore replaces the database and media and there is no terminal to confirm on — pass --yes to go ahead');
    }
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
  const stopped: string[] = [];
  try {
    for (const unit of cycle.stop) {
      await stopUnits(bin, [unit]);
      stopped.push(unit);
    }
    engine.checkNotInUse();
  } catch (error) {
    await startUnits(bin, [...stopped].reverse());
    throw error;
  }

  let safety: string | null = null;
  try {
    if (await hasData(config)) safety = (await createBackup(config, { dir: options.dir })).id;
  } catch (error) {
    await startUnits(bin, cycle.start);
    throw new FailureError('safety_backup_failed', `the safety backup failed, so nothing was restored: ${(error as Error).message}`, { cause: error });
  }
  say(io, safety ? `safety backup ${safety} taken — go back with \`ttops backup restore ${safety} --yes\`` : 'the database is empty (a fresh install?), so there is nothing to take a safety backup of');

  const leftStopped = cycle.stop.length ? `; ${cycle.stop.join(', ')} ${cycle.stop.length > 1 ? 'were' : 'was'} left stopped` : '';
  const goBack = safety ? `go back with \`ttops backup restore ${safety} --yes\`` : 'there was no data before, so no safety backup to go back to';
  let mediaFiles: number;
  let env: RestoreResult['env'] = 'none in backup';
  let envFile: string | null = null;
  try {
    await engine.restore(path.join(entry.path, engine.dumpName));
    mediaFiles = await restoreMedia(path.join(entry.path, FILES.media), config.mediaDir);
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
    await engine.audit({
      actor: options.actor,
      action: 'backup.restore',
      subject: `backup:${entry.id}`,
      detail: { safety_backup: safety, media_files: mediaFiles, env, units: cycle.stop },
    });
  } catch (error) {
    throw new FailureError('restore_failed', `restoring backup ${entry.id} failed: ${(error as Error).message} — the data may be half-restored; ${goBack}${leftStopped}`, { cause: error });
  }

  const failed = await startUnits(bin, cycle.start);
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
  copyFileSync(from, temp);
  chmodSync(temp, 0o600);
  adoptOwner([temp], existsSync(target) ? target : path.dirname(target));
  renameSync(temp, target);
}
