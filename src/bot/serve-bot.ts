/**
 * The bot as `serve` runs it: built from configuration (no token → no bot), its webhook
 * route handed to the app in webhook mode, polling started once the daemon is up.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { PublicUrls } from '../daemon/public-urls.js';
import type { Store } from '../store/types.js';
import type { TelegramWebhook } from '../api/routes/telegram.js';
import type { CardCheckout, TopUpHook } from './context.js';
import { makeBot } from './make-bot.js';
import { planBotMode, webhookPathToken, webhookSecret, type BotMode } from './mode.js';
import { startPolling, webhookRunning, type RunningBot } from './run.js';

/** A bot ready to run inside `serve`. */
export interface ServeBot {
  mode: BotMode;
  /** For `buildApp` in webhook mode. */
  webhook?: TelegramWebhook;
  /** Starts receiving (polling) and returns the stop to register with the lifecycle. */
  start(): RunningBot;
}

/** Builds the bot from configuration; undefined when TELEGRAM_BOT_TOKEN is unset. */
export function prepareServeBot(options: { config: Config; store: Store; logger?: Logger; urls: PublicUrls; topUp?: TopUpHook; cardCheckout?: CardCheckout }): ServeBot | undefined {
  const { config, store, logger, urls } = options;
  const token = config.telegram.botToken;
  if (!token) return undefined;
  const mode = planBotMode(config.serverHost, config.telegram.mode);
  const made = makeBot({
    token,
    apiRoot: config.telegram.apiRoot,
    store,
    logger: logger?.child({ component: 'bot' }),
    videoCost: config.videoCostCredits,
    referralBonus: config.payments.referralBonusCredits,
    mediaDir: config.mediaDir,
    mediaBaseUrl: () => urls.mediaBaseUrl,
    topUp: options.topUp,
    cardCheckout: options.cardCheckout,
    adminChatId: config.telegram.adminChatId,
  });
  return {
    mode,
    webhook: mode === 'webhook' ? { bot: made.bot, secret: webhookSecret(token, config.telegram.webhookSecret), pathToken: webhookPathToken(token) } : undefined,
    start: () => (mode === 'polling' ? startPolling(made, logger) : webhookRunning(made)),
  };
}
