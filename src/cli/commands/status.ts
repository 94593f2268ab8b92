/** `ttops status`: one screen of everything an operator checks first. */
import path from 'node:path';
import { isTtopsError, UnreachableError } from '../../errors.js';
import { gatherStatus } from '../../ops/status/gather.js';
import { renderStatus } from '../../ops/status/render.js';
import { ensureMigrated } from '../../store/ensure-migrated.js';
import { openStore } from '../../store/open.js';
import { makePaint } from '../../color.js';
import { commandConfig } from '../context.js';
import { printResult, type GlobalOptions, type Io } from '../io.js';

/** Flags of `ttops status`. */
export interface StatusCommandOptions {
  cert?: string;
}

/** Prints the status; only an unreachable store fails the command (exit 3); prod never migrates here. */
export async function runStatus(io: Io, globals: GlobalOptions, options: StatusCommandOptions): Promise<void> {
  const config = commandConfig(io, globals);
  const store = await openStore(config);
  try {
    try {
      await store.ping();
    } catch (error) {
      if (isTtopsError(error)) throw error; // unreachable (3) or a DATABASE_URL PostgreSQL rejects (4)
      throw new UnreachableError('store_unreachable', `the store does not answer: ${(error as Error).message} — check DATABASE_URL / TTOPS_HOME`, { cause: error });
    }
    // Dev brings the schema up like every command; prod only reports pending migrations.
    if (config.env === 'dev') await ensureMigrated(store, 'dev');
    const report = await gatherStatus(config, store, { certFile: options.cert ? path.resolve(io.cwd, options.cert) : undefined });
    printResult(io, globals, report, () => renderStatus(report, makePaint(globals.color)));
  } finally {
    await store.close();
  }
}
