/**
 * A bot under test: real store (either engine), the fake Bot API and the fake provider over
 * real HTTP, a worker in process, and the app listening with the bot's webhook route. The
 * bot and app can be rebuilt on the same store to simulate a restart.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { PublicUrls } from '../../src/daemon/public-urls.js';
import { makeCheckout } from '../../src/orders/make.js';
import { makeBot, type MadeBot } from '../../src/bot/make-bot.js';
import { webhookPathToken, webhookSecret } from '../../src/bot/mode.js';
import type { Config } from '../../src/config/load.js';
import { Events } from '../../src/events.js';
import { makeHandlers } from '../../src/jobs/runtime.js';
import { Worker } from '../../src/jobs/worker.js';
import { openStore } from '../../src/store/open.js';
import type { JobRecord, Store } from '../../src/store/types.js';
import { startFakeKie, type FakeKieServer } from '../fakes/kie-server.js';
import { startFakeTelegram, type FakeTelegramServer } from '../fakes/telegram-server.js';
import { ADMIN_KEY, JWT_SECRET } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import type { TestEngine } from '../helpers/engines.js';

export const TOKEN = '123456:TEST-token';
export const SECRET = 'test_webhook-Secret';

/** The getMe answer, so the bot needs no network call before its first update. */
export function botInfoOf(tg: FakeTelegramServer) {
  return { ...tg.botUser, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false, has_topics_enabled: false, allows_users_to_create_topics: false, can_manage_bots: false, supports_join_request_queries: false };
}

/** Everything a bot test talks to. */
export interface BotHarness {
  store: Store;
  tg: FakeTelegramServer;
  kie: FakeKieServer;
  config: Config;
  made: MadeBot;
  app: FastifyInstance;
  /** The app's base URL. */
  url: string;
  /** Posts an update to the webhook the bot registered; resolves once it was handled. */
  send(update: Record<string, unknown>): Promise<{ status: number; body: string }>;
  /** Texts the bot sent to a chat, in order. */
  textsTo(chat: number): string[];
  /** Stops the bot's app (the store and fakes stay): a restart is `restart()`. */
  restart(): Promise<void>;
  finished(ids: number[]): Promise<JobRecord[]>;
  close(): Promise<void>;
}

/** Builds the harness on a fresh engine. */
export async function startHarness(engine: TestEngine, options: { env?: Record<string, string> } = {}): Promise<BotHarness> {
  const kie = await startFakeKie({ keys: ['kie-a'], defaultTask: { outcome: 'success', durationMs: 40 } });
  const tg = await startFakeTelegram({ token: TOKEN });
  const config = testConfig({
    ...engine.env,
    KIE_API_KEYS: 'kie-a',
    KIE_BASE_URL: kie.url,
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: tg.apiRoot,
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    PROVIDER_POLL_SECONDS: '1',
    JOB_POLL_MS: '50',
    JOB_LEASE_SECONDS: '3',
    ...options.env,
  });
  const store = await openStore(config);
  await store.migrateUp();
  const worker = new Worker({ store, handlers: makeHandlers(config, store, { telegramMs: 1500, providerMs: 3000 }), events: new Events(), concurrency: 8, leaseMs: config.jobs.leaseMs, pollMs: config.jobs.pollMs });
  await worker.start();

  const h = { store, tg, kie, config } as BotHarness;
  const build = async () => {
    let base = '';
    // As `serve` does: one checkout for the app and the bot's card buttons.
    const urls = new PublicUrls(config);
    const secrets = { jwtSecret: JWT_SECRET, adminApiKey: ADMIN_KEY };
    const { checkout } = makeCheckout({ config, store, secrets, urls });
    h.made = makeBot({ token: TOKEN, apiRoot: tg.apiRoot, store, botInfo: botInfoOf(tg), videoCost: 1, referralBonus: config.payments.referralBonusCredits, mediaDir: config.mediaDir, mediaBaseUrl: () => base, adminChatId: config.telegram.adminChatId, cardCheckout: checkout });
    h.app = await buildApp({ config, store, secrets, logger: false, urls, checkout, telegramWebhook: { bot: h.made.bot, secret: webhookSecret(TOKEN, SECRET), pathToken: webhookPathToken(TOKEN) } });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    urls.bindTo('127.0.0.1', (h.app.server.address() as { port: number }).port);
    h.url = base;
    await h.made.bot.api.setWebhook(`${base}/v2/telegram/webhook/${webhookPathToken(TOKEN)}`, { secret_token: SECRET });
  };
  await build();
  h.send = (update) => tg.postWebhook(update);
  h.textsTo = (chat) => tg.calls.filter((c) => c.method === 'sendMessage' && String(c.payload.chat_id) === String(chat)).map((c) => String(c.payload.text));
  h.restart = async () => {
    await h.app.close();
    await build();
  };
  h.finished = async (ids) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const jobs = await Promise.all(ids.map((id) => store.findJob(id)));
      if (jobs.every((j) => j?.status === 'succeeded' || j?.status === 'failed')) return jobs as JobRecord[];
      if (Date.now() > deadline) throw new Error(`jobs not finished: ${JSON.stringify(jobs.map((j) => [j?.id, j?.status, j?.lastError]))}`);
      await new Promise((r) => setTimeout(r, 30));
    }
  };
  h.close = async () => {
    await worker.stop(1000);
    await h.app.close();
    await store.close();
    await kie.close();
    await tg.close();
  };
  return h;
}
