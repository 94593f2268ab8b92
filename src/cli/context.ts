/**
 * Shared set-up for commands: load configuration for this Io, open the store, and make
 * sure it is closed again whatever happens.
 */
import { loadConfig, type Config } from '../config/load.js';
import { ensureMigrated } from '../store/ensure-migrated.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import type { GlobalOptions, Io } from './io.js';

/** Configuration as this command invocation sees it. */
export function commandConfig(io: Io, globals: GlobalOptions): Config {
  return loadConfig({ env: io.env, cwd: io.cwd, envFile: globals.envFile, isTty: io.isTty });
}

/** Runs `fn` with an open, migrated store and closes it afterwards. */
export async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const store = await openStore(config);
  try {
    if (options.migrate !== false) await ensureMigrated(store, config.env);
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Who runs this CLI, for the audit log. */
export function cliActor(io: Io): { actor: string } {
  return { actor: `cli:${io.env.SUDO_USER ?? io.env.USER ?? 'unknown'}` };
}
