/**
 * Assembling workers from configuration: the handlers with their provider clients, and N
 * worker loops. Used by `ttops worker` and by `ttops serve --workers N`.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { Events } from '../events.js';
import type { JobRecord, Store } from '../store/types.js';
import { LIVE_PRUNE_KIND, livePruneHandler } from '../live/sessions-prune.js';
import { alertTarget, ALERT_KINDS, raiseAlert } from './alerts.js';
import { WORKERS_CHECK_KIND, workersCheckHandler } from './alerts-workers.js';
import { notifyHandler } from './handlers/notify.js';
import { REMINDERS_SCAN_KIND, remindersScanHandler } from './reminders.js';
import { ORDERS_EXPIRE_KIND, ordersExpireHandler, PAYMENTS_RECONCILE_KIND, reconcileHandler } from './checkout-jobs.js';
import { KeySeal } from '../orders/sealed-key.js';
import { resolveSecrets } from '../config/secrets.js';
import { makeProviders } from '../payments/registry.js';
import { videoHandler } from './handlers/video.js';
import { KieClient } from './providers/kie.js';
import { Worker, type JobHandler } from './worker.js';

/** Deadlines for outside calls (tests shorten them). */
export interface Timeouts {
  telegramMs: number;
  providerMs: number;
}

const DEFAULT_TIMEOUTS: Timeouts = { telegramMs: 15_000, providerMs: 30_000 };

/** The handler for every job kind ttops runs. */
export function makeHandlers(config: Config, store: Store, timeouts: Timeouts = DEFAULT_TIMEOUTS, logger?: Logger): Record<string, JobHandler> {
  const alerts = alertTarget(config, store, logger);
  const telegram = config.telegram.botToken ? { apiRoot: config.telegram.apiRoot, token: config.telegram.botToken, timeoutMs: timeouts.telegramMs } : undefined;
  const handlers: Record<string, JobHandler> = {
    'notify.telegram': notifyHandler({ store, telegram }),
    'video.generate': config.kie.apiKeys.length
      ? videoHandler({
          kie: new KieClient({
            baseUrl: config.kie.baseUrl,
            apiKeys: config.kie.apiKeys,
            timeoutMs: timeouts.providerMs,
            cooldownMs: 5 * 60_000,
            onKeysExhausted: (error) => void raiseAlert(alerts, { kind: ALERT_KINDS.keysExhausted, detail: error.message }),
          }),
          model: config.jobs.kieModel,
          prompt: { baseUrl: config.openai.baseUrl, apiKey: config.openai.apiKey, model: 'gpt-4o-mini', timeoutMs: 20_000 },
          callbackUrl: `${config.serverHost}/v2/providers/kie/callback`,
          pollMs: config.jobs.providerPollMs,
          adminChatId: config.telegram.adminChatId,
        })
      : notConfigured,
    // A job that does nothing: the queue benchmark and health probes use it.
    noop: async () => {},
    [LIVE_PRUNE_KIND]: livePruneHandler(store, config.live.eventRetentionDays),
    [REMINDERS_SCAN_KIND]: remindersScanHandler({ store, lowBalanceCredits: config.reminders.lowBalanceCredits }),
    [WORKERS_CHECK_KIND]: workersCheckHandler({ store, alerts, leaseMs: config.jobs.leaseMs }),
    [ORDERS_EXPIRE_KIND]: ordersExpireHandler(store),
    [PAYMENTS_RECONCILE_KIND]: lazyHandler(() =>
      reconcileHandler({
        store,
        providers: makeProviders(config.payments),
        // The key a late-found license is sealed with for its return page: JWT_SECRET, read when first needed.
        fulfil: { store, seal: new KeySeal(resolveSecrets(config).jwtSecret), alerts, referralBonus: config.payments.referralBonusCredits },
        alerts,
        stars: telegram && { apiRoot: telegram.apiRoot, token: telegram.token, timeoutMs: telegram.timeoutMs },
        logger,
      }),
    ),
  };
  return handlers;
}

/** A handler built on its first job: what it needs (secrets, provider clients) is read only by a worker that runs it. */
function lazyHandler(make: () => JobHandler): JobHandler {
  let handler: JobHandler | undefined;
  return (job, context) => (handler ??= make())(job, context);
}

/** Without provider keys a video can never be made: fail at once, refunding the charge. */
const notConfigured: JobHandler = async (job: JobRecord) => {
  const cost = Number(job.payload.cost ?? 0);
  return {
    status: 'failed',
    errorCode: 'provider_not_configured',
    lastError: 'KIE_API_KEYS is not set',
    refund: job.userId !== null && cost > 0 ? { userId: job.userId, amount: cost, reason: 'provider_not_configured' } : undefined,
  };
};

/** Starts `count` worker loops in this process. */
export async function startWorkers(options: { config: Config; store: Store; events: Events; logger?: Logger; count: number; concurrency?: number; firstInstance?: number; handlers?: Record<string, JobHandler> }): Promise<Worker[]> {
  const handlers = options.handlers ?? makeHandlers(options.config, options.store, DEFAULT_TIMEOUTS, options.logger);
  const workers: Worker[] = [];
  for (let i = 0; i < options.count; i++) {
    const worker = new Worker({
      store: options.store,
      handlers,
      events: options.events,
      logger: options.logger,
      instance: String((options.firstInstance ?? 1) + i),
      concurrency: options.concurrency ?? options.config.jobs.concurrency,
      leaseMs: options.config.jobs.leaseMs,
      pollMs: options.config.jobs.pollMs,
      retentionDays: options.config.jobs.retentionDays,
    });
    await worker.start();
    workers.push(worker);
  }
  return workers;
}
