/**
 * Builds the bot: grammY over TELEGRAM_API_ROOT with capped auto-retry on 429, one composer
 * per feature each behind its own error boundary (a failing feature answers «что-то пошло не
 * так» and the bot goes on), conversation state and language in the store (read in one query
 * per update), and updates handled once even when Telegram delivers them twice. Receiving
 * updates (webhook or polling) is run.ts's.
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { conversations } from '@grammyjs/conversations';
import { sequentialize } from '@grammyjs/runner';
import { Bot, BotError, GrammyError, HttpError, type Composer } from 'grammy';
import type { BotContext, BotDeps } from './context.js';
import { adminFeature } from './features/admin.js';
import { languageFeature, languageMiddleware } from './features/language.js';
import { orderFeature } from './features/order.js';
import { starsFeature, starsShop } from './features/stars.js';
import { cardFeature } from './features/card.js';
import { startFeature } from './features/start.js';
import { statusFeature } from './features/status.js';
import { topUpFeature } from './features/top-up.js';
import { openUpdate, preloadedConversationStorage } from './storage.js';
import { TEXTS } from './texts.js';

/** The bot and a way to wait for the updates it is handling now. */
export interface MadeBot {
  bot: Bot<BotContext>;
  /** Resolves when no update is being handled (graceful stop). */
  idle(): Promise<void>;
}

/** Builds the bot from its dependencies; nothing is fetched or listened to yet. */
export function makeBot(deps: BotDeps): MadeBot {
  const bot = new Bot<BotContext>(deps.token, { botInfo: deps.botInfo, client: { apiRoot: deps.apiRoot, timeoutSeconds: deps.timeoutSeconds ?? 60 } });
  // Capped, so a handler cannot sit past the webhook's 10 s deadline waiting out a long flood wait.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 10 }));
  bot.catch((error) => deps.logger?.error({ err: error.error, update_id: error.ctx.update.update_id }, 'bot update failed'));

  const running = new Set<Promise<void>>();
  bot.use(async (_ctx, next) => {
    const handling = next();
    running.add(handling);
    try {
      await handling;
    } finally {
      running.delete(handling);
    }
  });
  // One update per chat at a time (the runner handles chats concurrently): conversation state is read-modify-write.
  bot.use(sequentialize((ctx: BotContext) => (ctx.chat?.id ?? ctx.from?.id)?.toString()));
  // The claim, the language, the conversation state and the sender's account in one statement, which the rest reads from.
  bot.use(openUpdate(deps.store, deps.logger));
  bot.use(languageMiddleware(deps));
  bot.use(conversations({ storage: preloadedConversationStorage(deps.store) }));

  const photos = { api: bot.api, token: deps.token, apiRoot: deps.apiRoot, mediaDir: deps.mediaDir, mediaBaseUrl: deps.mediaBaseUrl };
  const features: [string, Composer<BotContext>][] = [
    // First: the ordering conversation would take a payment message or an invoice button as a wrong answer.
    ['stars', starsFeature(deps)],
    ['card', cardFeature(deps)],
    ['order', orderFeature(deps, photos)],
    ['language', languageFeature(deps)],
    ['start', startFeature(deps)],
    ['status', statusFeature(deps)],
    ['top-up', topUpFeature({ topUp: deps.topUp ?? starsShop(deps) })],
    ['admin', adminFeature(deps)],
  ];
  for (const [name, feature] of features) bot.errorBoundary((error) => reportFeatureError(deps, name, error)).use(feature);
  // A button from an old message that no feature wants: stop the spinner on the user's side.
  bot.on('callback_query', (ctx) => ctx.answerCallbackQuery().catch(() => undefined));

  return {
    bot,
    async idle() {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
}

async function reportFeatureError(deps: BotDeps, feature: string, error: BotError<BotContext>): Promise<void> {
  const cause = error.error;
  const kind = cause instanceof GrammyError ? `bot_api_${cause.error_code}` : cause instanceof HttpError ? 'bot_api_unreachable' : 'handler_error';
  deps.logger?.error({ err: cause, feature, kind, update_id: error.ctx.update.update_id }, `bot feature ${feature} failed`);
  // Telling the user can fail too (blocked, network): that is logged above already.
  if (error.ctx.chat && !(cause instanceof GrammyError && cause.error_code === 403)) await error.ctx.reply(TEXTS[error.ctx.lang ?? 'ru'].error).catch(() => undefined);
  // A payment not fulfilled must not look handled: the webhook answers an error and Telegram delivers it again.
  if (error.ctx.message?.successful_payment) throw cause;
}
