/**
 * The `serve` daemon's wiring: store, event map on the store's bus, the app, in-process
 * workers, each registering its cleanup with the lifecycle. The CLI only parses flags and
 * prints the banner; tests and other entry points can start the same daemon.
 */
import type { Logger } from 'pino';
import { buildApp } from '../api/app.js';
import type { Config } from '../config/load.js';
import type { ResolvedSecrets } from '../config/secrets.js';
import { ConflictError } from '../errors.js';
import { Events } from '../events.js';
import { schedulePeriodicJobs } from '../jobs/reminders-schedule.js';
import { startWorkers } from '../jobs/runtime.js';
import { scheduleLivePrune } from '../live/sessions-prune.js';
import { ensureMigrated } from '../store/ensure-migrated.js';
import { openStore } from '../store/open.js';
import { Lifecycle } from './lifecycle.js';
import { PublicUrls } from './public-urls.js';
import { makeCheckout } from '../orders/make.js';

/** What `serve` runs. */
export interface ServeOptions {
  config: Config;
  secrets: ResolvedSecrets;
  logger: Logger;
  host: string;
  port: number;
  /** In-process job loops (deployed units pass 0 and run ttops-worker@N beside it). */
  workers: number;
  /** False runs no Telegram bot even with a token (`serve --no-bot`). */
  bot?: boolean;
}

/** A running daemon: stop it through its lifecycle. */
export interface RunningServe {
  lifecycle: Lifecycle;
  /** One line for people: where it listens and on what. */
  banner: string;
  urls: PublicUrls;
}

/** Starts everything `serve` runs; on a failure half-way, what started is stopped again. */
export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const { config, logger, host, port } = options;
  const lifecycle = new Lifecycle((name, error) => logger.error({ err: error }, `cleanup of ${name} failed`));
  try {
    const store = await openStore(config);
    lifecycle.add('store', () => store.close());
    // Dev applies pending migrations; prod starts anyway and /ready reports them.
    if (config.env === 'dev') {
      const applied = await ensureMigrated(store, 'dev');
      if (applied.length) logger.info({ applied }, 'applied migrations');
    }
    // One event map for the process, fed by the store's bus: sockets here hear what other processes broadcast.
    const events = new Events();
    lifecycle.add('bus', await events.connect(store.bus));
    const urls = new PublicUrls(config);
    // Without a token there is no bot, and grammY is never loaded (issue 10: ~4 MB of RSS).
    // One checkout for the app and the bot's card buttons.
    const { checkout } = makeCheckout({ config, store, secrets: options.secrets, urls });
    const bot = options.bot === false || !config.telegram.botToken ? undefined : (await import('../bot/serve-bot.js')).prepareServeBot({ config, store, logger, urls, cardCheckout: checkout });
    const app = await buildApp({ config, store, secrets: options.secrets, logger, events, urls, telegramWebhook: bot?.webhook, checkout });
    lifecycle.add('http', () => app.close());
    await app.listen({ host, port }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') throw new ConflictError('port_in_use', `port ${port} on ${host} is in use — stop the other process or pass --port`, { cause: error });
      throw error;
    });
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    urls.bindTo(host, boundPort);
    // Workers start once the URLs are final: the provider callback URL is one of them.
    const workers = await startWorkers({ config: { ...config, serverHost: urls.serverHost, mediaBaseUrl: urls.mediaBaseUrl }, store, events, logger, count: options.workers });
    // Registered after http, so they stop first: no new jobs, running ones finish or go back to the queue.
    for (const worker of workers) lifecycle.add(`worker ${worker.id}`, () => worker.stop(10_000));
    // Raw live events past their retention: a job per hour, whichever process enqueues it first.
    lifecycle.add('live prune', scheduleLivePrune(store, (error) => logger.warn({ err: error }, 'could not schedule the live event prune')));
    // Reminders (hourly) and the workers check (5 min), the same way: one job per period across every process.
    lifecycle.add('periodic jobs', schedulePeriodicJobs(store, (error) => logger.warn({ err: error }, 'could not schedule the reminders scan or the workers check')));
    // Last in, first out: no new updates, the ones in hand finish, then the rest stops.
    if (bot) {
      const running = bot.start();
      lifecycle.add('bot', () => running.stop(10_000));
    }
    const where = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
    return { lifecycle, urls, banner: `ttops serve listening on ${where} (${store.engine}, ${config.env}, ${options.workers} in-process worker(s), bot ${bot ? bot.mode : 'off'})` };
  } catch (error) {
    await lifecycle.shutdown();
    throw error;
  }
}
