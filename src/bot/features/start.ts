/** /start, /help and the balance: the Telegram user's account is created on first contact. */
import { Composer } from 'grammy';
import type { BotContext, BotDeps } from '../context.js';
import { mainMenu, topUpButton } from '../keyboards.js';
import { labels, TEXTS } from '../texts.js';

/** Greets with the balance and the main menu. */
export function startFeature(deps: Pick<BotDeps, 'store'>): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const credits = async (ctx: BotContext) => (ctx.from ? (await deps.store.ensureTelegramUser(ctx.from.id)).credits : 0);
  feature.command('start', async (ctx) => {
    await ctx.reply(TEXTS[ctx.lang].welcome(await credits(ctx)), { reply_markup: mainMenu(ctx.lang) });
  });
  feature.command('help', (ctx) => ctx.reply(TEXTS[ctx.lang].help, { reply_markup: mainMenu(ctx.lang) }));
  const balance = async (ctx: BotContext) => {
    await ctx.reply(TEXTS[ctx.lang].balance(await credits(ctx)), { reply_markup: topUpButton(ctx.lang) });
  };
  feature.command('balance', balance);
  feature.hears(labels('balanceButton'), balance);
  return feature;
}
