/**
 * `ttops serve`: flags in, the daemon (src/daemon/serve.ts) started, the banner printed once
 * the signal handlers are in place, and its exit code returned.
 */
import { resolveSecrets } from '../../config/secrets.js';
import { startServe } from '../../daemon/serve.js';
import { makeLogger } from '../../log.js';
import { commandConfig } from '../context.js';
import { say, type GlobalOptions, type Io } from '../io.js';

export interface ServeFlags {
  host?: string;
  port?: number;
  /** In-process job loops; default 1 in dev, 0 in prod (units run ttops-worker@N). */
  workers?: number;
  /** False with `--no-bot`. */
  bot?: boolean;
}

/** Serves until a signal; returns the daemon's exit code. */
export async function runServe(io: Io, globals: GlobalOptions, flags: ServeFlags): Promise<number> {
  const config = commandConfig(io, globals);
  const logger = makeLogger(config, undefined, { color: globals.color });
  const running = await startServe({
    config,
    secrets: resolveSecrets(config),
    logger,
    host: flags.host ?? config.host,
    port: flags.port ?? config.port,
    workers: flags.workers ?? (config.env === 'dev' ? 1 : 0),
    bot: flags.bot,
  });
  const stopped = running.lifecycle.untilSignal(process, 30_000, (signal) => logger.info({ signal }, 'shutting down'));
  // Announce only once the signal handlers are in place (see worker.ts).
  say(io, running.banner);
  return stopped;
}
