/** `ttops migrate up|down|status`: schema changes on either engine. */
import { FailureError } from '../../errors.js';
import { commandConfig, withStore } from '../context.js';
import { printResult, say, type GlobalOptions, type Io } from '../io.js';

/** Applies pending migrations. */
export async function runMigrateUp(io: Io, globals: GlobalOptions): Promise<void> {
  const applied = await withStore(commandConfig(io, globals), (store) => store.migrateUp(), { migrate: false });
  printResult(io, globals, { applied }, () => (applied.length ? applied.map((m) => `applied ${m}`).join('\n') : 'nothing to migrate: the schema is current'));
}

/** Reverts the last `count` migrations. */
export async function runMigrateDown(io: Io, globals: GlobalOptions, options: { count: number }): Promise<void> {
  const reverted = await withStore(commandConfig(io, globals), (store) => store.migrateDown(options.count), { migrate: false });
  printResult(io, globals, { reverted }, () => (reverted.length ? reverted.map((m) => `reverted ${m}`).join('\n') : 'nothing to revert'));
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
