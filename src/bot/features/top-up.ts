/**
 * «Пополнить баланс», /buy and /paysupport. Buying is billing's (Telegram Stars checkout and
 * fulfilment): it plugs in through `BotDeps.topUp`; until then the button says it is coming.
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
  return feature;
}
