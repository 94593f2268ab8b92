/**
 * /start, /help and the balance: the Telegram user's account is created on first contact.
 * `/start ref_<code>` (the link `t.me/<bot>?start=ref_<code>`) records who invited the user;
 * the store ignores it for a user who already has an inviter or has paid before.
 */
import { Composer } from 'grammy';
import type { BotContext, BotDeps } from '../context.js';
import { mainMenu, topUpButton } from '../keyboards.js';
import { labels, TEXTS } from '../texts.js';

/** The deep-link payload of a referral: `ref_` and the inviter's code. */
const REFERRAL_START = /^ref_([0-9A-Za-z]{4,16})$/;

/** Greets with the balance and the main menu. */
export function startFeature(deps: Pick<BotDeps, 'store' | 'referralBonus'>): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  // The sender's account as read when the update arrived, or made now on first contact.
  const account = async (ctx: BotContext, from: { id: number }) => ctx.account ?? (await deps.store.ensureTelegramUser(from.id));
  const credits = async (ctx: BotContext) => (ctx.from ? (await account(ctx, ctx.from)).credits : 0);
  feature.command('start', async (ctx) => {
    const referral = REFERRAL_START.exec(ctx.match);
    if (referral && ctx.from && deps.referralBonus) await deps.store.attachReferral((await account(ctx, ctx.from)).id, referral[1]);
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
