/**
 * Builds the Fastify app without listening: `serve` calls `listen`, tests call `inject`.
 * Routes are encapsulated plugins, one per URL prefix, all sharing one AppContext.
 */
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AccountService } from '../accounts/service.js';
import { TokenIssuer } from '../auth/jwt.js';
import type { Config } from '../config/load.js';
import type { ResolvedSecrets } from '../config/secrets.js';
import { EXIT, TtopsError } from '../errors.js';
import { redactUrlQuery } from '../log.js';
import { lazyRequestLogger } from './request-logger.js';
import type { Store } from '../store/types.js';
import { installErrorHandlers } from './errors.js';
import { defaultCertFile } from '../ops/status/probes.js';
import { refuseHostileInput } from './input-guard.js';
import { addHostGauges, addQueueGauge, makeMetrics, recordLiveMessages, recordTtsEvent, type Metrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { catalogueCheck, migrationsCheck, storeCheck, workersCheck, type ReadyCheck } from './readiness.js';
import { authRoutes } from './routes/auth.js';
import { jobRoutes } from './routes/jobs.js';
import { providerRoutes } from './routes/providers.js';
import { licenseRoutes } from './routes/license.js';
import { serviceRoutes } from './routes/service.js';
import { soundRoutes } from './routes/sounds.js';
import { registerStatic } from './static.js';
import { SoundService } from '../sounds/service.js';
import { PublicUrls } from '../daemon/public-urls.js';
import { Events } from '../events.js';
import { Hub } from '../live/hub.js';
import { TriggerService } from '../live/triggers.js';
import { triggerRoutes } from './routes/triggers.js';
import { wsRoutes } from './routes/ws.js';
import { liveRoutes } from './routes/live.js';
import { overlayRoutes } from './routes/overlay.js';
import type { TelegramWebhook } from './routes/telegram.js';
import { LivePipeline } from '../live/pipeline.js';
import { LiveSessions } from '../live/sessions.js';
import { RecorderRegistry } from '../live/sessions-recorder.js';
import { resolveLiveSource, type ConfiguredSource } from '../live/sessions-source.js';
import { liveSessionRoutes } from './routes/live-sessions.js';
import { parseBannedWords } from '../tts/clean.js';
import { makeTts } from '../tts/make.js';
import { installTransportErrors, TRANSPORT_OPTIONS } from './transport-errors.js';
import type { Checkout } from '../orders/types.js';
import { registerShop } from './shop.js';

/** What the app needs from the outside. */
export interface AppDeps {
  config: Config;
  store: Store;
  secrets: ResolvedSecrets;
  /** A pino logger, or false for none (benchmarks, most tests). */
  logger?: Logger | false;
  /** Extra readiness checks (worker heartbeat, …) beyond store and migrations. */
  readyChecks?: ReadyCheck[];
  /** The process's event map (connected to the store's bus by `serve`); a private one by default. */
  events?: Events;
  /** Public URLs, when `serve` learns them only once listening; from the configuration by default. */
  urls?: PublicUrls;
  /** The upstream live source; from LIVE_SOURCE by default (tests pass a stub). */
  liveSource?: () => Promise<ConfiguredSource>;
  /** The bot in webhook mode: its route is registered (polling and no bot: not). */
  telegramWebhook?: TelegramWebhook;
  /** Replaces the checkout over the configured providers (page tests pass a double). */
  checkout?: Checkout;
}

/** Everything route plugins share. */
export interface AppContext {
  config: Config;
  store: Store;
  secrets: ResolvedSecrets;
  accounts: AccountService;
  tokens: TokenIssuer;
  metrics: Metrics;
  readyChecks: ReadyCheck[];
  urls: PublicUrls;
}

/** Builds the app; the caller owns `listen` and `close`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as FastifyBaseLogger, childLoggerFactory: lazyRequestLogger } : { logger: false }),
    // Our onResponse hook logs requests at debug level; Fastify's own info lines are off.
    logController: new LogController({ disableRequestLogging: true }),
    // Trust exactly one hop, and only from loopback: the nginx in front of us. The address it
    // appends to X-Forwarded-For is the client; anything a client wrote there itself is not.
    trustProxy: (address: string, hop: number) => hop === 0 && (address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1'),
    bodyLimit: 1024 * 1024,
    ...TRANSPORT_OPTIONS,
  });
  const tokens = new TokenIssuer(deps.secrets.jwtSecret, deps.config.jwtTtlDays);
  const ctx: AppContext = {
    config: deps.config,
    store: deps.store,
    secrets: deps.secrets,
    tokens,
    accounts: new AccountService(deps.store, tokens, deps.config.passwordRounds),
    metrics: makeMetrics(),
    urls: deps.urls ?? new PublicUrls(deps.config),
    readyChecks: [storeCheck(deps.store), migrationsCheck(deps.store), workersCheck(deps.store, deps.config.jobs.leaseMs), catalogueCheck(deps.store), ...(deps.readyChecks ?? [])],
  };
  addQueueGauge(ctx.metrics, deps.store, deps.config.jobs.leaseMs);
  addHostGauges(ctx.metrics, {
    backupDir: deps.config.backupDir,
    certFiles: new URL(deps.config.serverHost).protocol === 'https:' ? [defaultCertFile(deps.config.serverHost)] : [],
    diskPaths: [deps.config.home, deps.config.backupDir],
  });

  installErrorHandlers(app);
  installTransportErrors(app);
  app.addHook('preHandler', refuseHostileInput);
  // A callback hook (no promise per request); the debug line is built only when debug is on.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (request.log.level === 'debug' || request.log.level === 'trace') request.log.debug({ method: request.method, url: redactUrlQuery(request.url), status: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
    done();
  });

  // Before any route: the document generator sees routes as they are added.
  await registerOpenApi(app);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new TtopsError('rate_limited', `too many requests — retry in ${context.after}`, 429, EXIT.failure),
  });
  await app.register(serviceRoutes, { ctx });
  await app.register(licenseRoutes, { ctx, prefix: '/v2/license' });
  await app.register(authRoutes, { ctx, prefix: '/v2/auth' });
  await app.register(jobRoutes, { ctx, prefix: '/v2/jobs' });
  await app.register(providerRoutes, { ctx, prefix: '/v2/providers' });
  const sounds = new SoundService(deps.store, deps.config.mediaDir, ctx.urls, deps.config.limits.soundsPerUser);
  await app.register(soundRoutes(sounds), { ctx, prefix: '/v2/sounds' });
  await registerStatic(app, deps.config.mediaDir);
  const events = deps.events ?? new Events();
  await app.register(triggerRoutes(new TriggerService(deps.store, events, deps.config.limits.triggersPerUser)), { ctx, prefix: '/v2/triggers' });
  const { tts: ttsSettings } = deps.config;
  const tts = makeTts({
    engine: deps.config.ttsEngine,
    mediaDir: deps.config.mediaDir,
    edgeUrl: ttsSettings.edgeUrl,
    edgeBudgetMs: ttsSettings.edgeBudgetMs,
    voice: ttsSettings.voice,
    maxChars: ttsSettings.maxChars,
    bannedWords: parseBannedWords(ttsSettings.bannedWords),
    onEvent: (event) => recordTtsEvent(ctx.metrics, event),
  });
  const recorders = new RecorderRegistry();
  const pipeline = new LivePipeline({
    store: deps.store,
    events,
    tts,
    soundUrl: (userId, filename) => sounds.url(userId, filename),
    mediaBaseUrl: () => ctx.urls.mediaBaseUrl,
    onProcessed: (userId, event, stats) => {
      ctx.metrics.liveEvents.inc({ event_type: event.event_type });
      recorders.onProcessed(userId, event, stats);
    },
    onDelivered: (_userId, messages) => recordLiveMessages(ctx.metrics, messages),
  });
  const hub = new Hub(events);
  const { live } = deps.config;
  const sessions = new LiveSessions({
    store: deps.store,
    events,
    pipeline,
    recorders,
    source: deps.liveSource ?? (() => resolveLiveSource(deps.config)),
    leaseMs: live.leaseMs,
    graceMs: live.graceMs,
    onError: (error, during) => app.log.warn({ err: error, during }, 'live session error'),
  });
  hub.onPresence(sessions.presence);
  ctx.metrics.live.wsClients = () => hub.size;
  ctx.metrics.live.liveSessions = () => sessions.runningCount;
  app.addHook('onClose', async () => {
    await sessions.close();
    hub.close();
    pipeline.close();
  });
  await app.register(wsRoutes(hub, (user) => sessions.greeting(user)), { ctx, prefix: '/v2' });
  await app.register(liveRoutes(pipeline), { ctx, prefix: '/v2/live' });
  await app.register(liveSessionRoutes, { ctx, prefix: '/v2/live' });
  await app.register(overlayRoutes, { ctx });
  await registerShop(app, ctx, deps.checkout);
  // Loaded only with a bot: the route imports grammY (issue 10: a serve without a token never loads it).
  if (deps.telegramWebhook) await app.register((await import('./routes/telegram.js')).telegramRoutes(deps.telegramWebhook), { ctx, prefix: '/v2/telegram' });
  return app;
}
