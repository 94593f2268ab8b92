/** `ttops migrate up|down|status`: schema changes on either engine. */
import { FailureError } from '../../errors.js';
import { confirmDestructive } from '../confirm.js';
import { commandConfig, withStore } from '../context.js';
import { printResult, say, type GlobalOptions, type Io } from '../io.js';

/** Applies pending migrations. */
export async function runMigrateUp(io: Io, globals: GlobalOptions): Promise<void> {
  const applied = await withStore(commandConfig(io, globals), (store) => store.migrateUp(), { migrate: false });
  printResult(io, globals, { applied }, () => (applied.length ? applied.map((m) => `applied ${m}`).join('\n') : 'nothing to migrate: the schema is current'));
}

/** Flags of `ttops migrate down`. */
export interface MigrateDownOptions {
  count: number;
  yes?: boolean;
  dryRun?: boolean;
  /** Injectable answer for tests; by default a prompt on the terminal. */
  ask?: (question: string) => Promise<boolean>;
}

/**
 * Reverts the last `count` migrations: shows them and changes nothing with --dry-run, asks
 * (or needs --yes), and in prod takes a backup first so there is a way back.
 */
export async function runMigrateDown(io: Io, globals: GlobalOptions, options: MigrateDownOptions): Promise<void> {
  const config = commandConfig(io, globals);
  const status = await withStore(config, (store) => store.migrationStatus(), { migrate: false });
  const targets = status.filter((m) => m.applied).map((m) => m.name).reverse().slice(0, options.count);
  if (targets.length === 0) {
    printResult(io, globals, { reverted: [], backup: null, dry_run: Boolean(options.dryRun) }, () => 'nothing to revert');
    return;
  }
  const where = config.databaseUrl ? 'the PostgreSQL database' : 'the SQLite database';
  if (options.dryRun) {
    printResult(io, globals, { would_revert: targets, backup: config.env === 'prod' ? 'would be taken first' : null, dry_run: true }, () =>
      [...targets.map((m) => `would revert ${m}`), `dry run: nothing changed${config.env === 'prod' ? ' (a real run takes a backup first)' : ''}`].join('\n'),
    );
    return;
  }
  await confirmDestructive(io, globals, {
    yes: options.yes,
    ask: options.ask,
    question: `Revert ${targets.length} migration(s) (${targets.join(', ')}) in ${where}? Their tables and data are dropped${config.env === 'prod' ? '; a backup is taken first' : ''}.`,
    what: `migrate down drops ${targets.join(', ')} with their data`,
    cancelledCode: 'migrate_down_cancelled',
  });
  let backup: { id: string; path: string } | null = null;
  if (config.env === 'prod') {
    const { createBackup } = await import('../../ops/backup/create.js');
    const made = await createBackup(config, { dir: config.backupDir }).catch((error: unknown) => {
      throw new FailureError('backup_failed', `the backup before migrate down failed, so nothing was reverted: ${(error as Error).message}`, { cause: error });
    });
    backup = { id: made.id, path: made.path };
    if (!globals.json) say(io, `backup ${made.id} taken in ${made.path} — go back with \`ttops backup restore ${made.id} --yes\``);
  }
  const reverted = await withStore(config, (store) => store.migrateDown(targets.length), { migrate: false });
  printResult(io, globals, { reverted, backup, dry_run: false }, () => reverted.map((m) => `reverted ${m}`).join('\n'));
}

/** Shows which migrations have run; with `check`, pending ones make the command fail. */
export async function runMigrateStatus(io: Io, globals: GlobalOptions, options: { check?: boolean }): Promise<void> {
  const config = commandConfig(io, globals);
  const migrations = await withStore(config, (store) => store.migrationStatus(), { migrate: false });
  const pending = migrations.filter((m) => !m.applied).map((m) => m.name);
  printResult(io, globals, { engine: config.databaseUrl ? 'postgres' : 'sqlite', migrations, pending }, () =>
    migrations.map((m) => `${m.applied ? 'applied ' : 'pending '} ${m.name}`).join('\n'),
  );
  if (options.check && pending.length > 0) {
    say(io, '');
    throw new FailureError('migrations_pending', `${pending.length} migration(s) pending — run \`ttops migrate up\``);
  }
}
