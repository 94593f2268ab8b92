/**
 * `ttops serve`: the HTTP API (and, as later parts land, the WebSocket hub, bot, live
 * listener and in-process workers) in one process, until SIGTERM.
 */
import { buildApp } from '../../api/app.js';
import type { Config } from '../../config/load.js';
import { resolveSecrets } from '../../config/secrets.js';
import { Lifecycle } from '../../daemon/lifecycle.js';
import { Events } from '../../events.js';
import { startWorkers } from '../../jobs/runtime.js';
import { ConflictError } from '../../errors.js';
import { makeLogger } from '../../log.js';
import { ensureMigrated } from '../../store/ensure-migrated.js';
import { openStore } from '../../store/open.js';
import { commandConfig } from '../context.js';
import { say, type GlobalOptions, type Io } from '../io.js';

export interface ServeOptions {
  host?: string;
  port?: number;
  /** In-process job loops; default 1 in dev, 0 in prod (units run ttops-worker@N). */
  workers?: number;
}

/** Serves until a signal; returns the daemon's exit code. */
export async function runServe(io: Io, globals: GlobalOptions, options: ServeOptions): Promise<number> {
  const loaded = commandConfig(io, globals);
  const secrets = resolveSecrets(loaded);
  const host = options.host ?? loaded.host;
  const port = options.port ?? loaded.port;
  const config = withListenAddress(loaded, host, port);
  const logger = makeLogger(config, undefined, { color: globals.color });
  const lifecycle = new Lifecycle((name, error) => logger.error({ err: error }, `cleanup of ${name} failed`));

  const store = await openStore(config);
  lifecycle.add('store', () => store.close());
  let banner = '';
  try {
    // Dev applies pending migrations; prod starts anyway and /ready reports them.
    if (config.env === 'dev') {
      const applied = await ensureMigrated(store, 'dev');
      if (applied.length) logger.info({ applied }, 'applied migrations');
    }
    // One event map for the process, fed by the store's bus: sockets here hear what other processes broadcast.
    const events = new Events();
    lifecycle.add('bus', await events.connect(store.bus));
    const app = await buildApp({ config, store, secrets, logger, events });
    lifecycle.add('http', () => app.close());
    const workerCount = options.workers ?? (config.env === 'dev' ? 1 : 0);
    const workers = await startWorkers({ config, store, events, logger, count: workerCount });
    // Registered after http, so they stop first: no new jobs, running ones finish or go back to the queue.
    for (const worker of workers) lifecycle.add(`worker ${worker.id}`, () => worker.stop(10_000));
    await app.listen({ host, port }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') throw new ConflictError('port_in_use', `port ${port} on ${host} is in use — stop the other process or pass --port`, { cause: error });
      throw error;
    });
    const address = app.server.address();
    const actualPort = typeof address === 'object' && address ? address.port : port;
    // With --port 0 the OS picks the port; derived public URLs follow it (the app reads this same object).
    if (actualPort !== port) Object.assign(config, withListenAddress(config, host, actualPort));
    banner = `ttops serve listening on http://${host.includes(':') ? `[${host}]` : host}:${actualPort} (${store.engine}, ${config.env}, ${workerCount} in-process worker(s))`;
  } catch (error) {
    await lifecycle.shutdown();
    throw error;
  }
  const stopped = lifecycle.untilSignal(process, 30_000, (signal) => logger.info({ signal }, 'shutting down'));
  // Announce only once the signal handlers are in place (see worker.ts).
  say(io, banner);
  return stopped;
}

/** Flags override HOST/PORT, and the public URLs derived from them unless set explicitly. */
function withListenAddress(config: Config, host: string, port: number): Config {
  if (config.values.SERVER_HOST !== undefined) return { ...config, host, port };
  const serverHost = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const mediaBaseUrl = config.values.MEDIA_BASE_URL === undefined ? serverHost : config.mediaBaseUrl;
  return { ...config, host, port, serverHost, mediaBaseUrl };
}
