/**
 * The language of every answer: the one the user chose (kept in the store), else their
 * Telegram `language_code`. /language and the menu button switch between Russian and English.
 */
import { Composer } from 'grammy';
import type { BotContext, BotDeps } from '../context.js';
import { mainMenu } from '../keyboards.js';
import { languageKey, sessionValue } from '../storage.js';
import { labels, langFor, TEXTS, type Lang } from '../texts.js';

/** Sets `ctx.lang` for everything after it (from the preloaded sessions when there are). */
export function languageMiddleware(deps: Pick<BotDeps, 'store'>): (ctx: BotContext, next: () => Promise<void>) => Promise<void> {
  return async (ctx, next) => {
    const chosen = ctx.from ? await sessionValue(deps.store, ctx, languageKey(ctx.from.id)) : undefined;
    ctx.lang = chosen === 'ru' || chosen === 'en' ? chosen : langFor(ctx.from?.language_code);
    await next();
  };
}

/** /language and the «English» / «Русский» button. */
export function languageFeature(deps: Pick<BotDeps, 'store'>): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const toggle = async (ctx: BotContext) => {
    const lang: Lang = ctx.lang === 'ru' ? 'en' : 'ru';
    if (ctx.from) await deps.store.writeBotSession(languageKey(ctx.from.id), lang);
    ctx.lang = lang;
    await ctx.reply(TEXTS[lang].languageSet, { reply_markup: mainMenu(lang) });
  };
  feature.command(['language', 'lang'], toggle);
  feature.hears(labels('otherLanguage'), toggle);
  return feature;
}
