/**
 * «Пополнить баланс», /buy, /paysupport and /terms (Telegram requires the last two of bots
 * that take Stars). What buying shows is `BotDeps.topUp`: make-bot passes the Stars shop
 * (features/stars.ts) unless a caller replaces it; without one the button says it is coming.
 */
import { Composer } from 'grammy';
import type { BotContext, BotDeps } from '../context.js';
import { labels, TEXTS } from '../texts.js';

/** The top-up entry points. */
export function topUpFeature(deps: Pick<BotDeps, 'topUp'>): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const topUp = async (ctx: BotContext) => {
    if (deps.topUp) await deps.topUp(ctx);
    else await ctx.reply(TEXTS[ctx.lang].topUpSoon);
  };
  feature.callbackQuery('topup', async (ctx) => {
    await ctx.answerCallbackQuery();
    await topUp(ctx);
  });
  feature.command('buy', topUp);
  feature.hears(labels('topUp'), topUp);
  feature.command('paysupport', (ctx) => ctx.reply(TEXTS[ctx.lang].paySupport));
  feature.command('terms', (ctx) => ctx.reply(TEXTS[ctx.lang].terms));
  return feature;
}
