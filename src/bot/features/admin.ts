/**
 * The admin's commands in the bot: /stats, /grant and /refund. They exist only in the chat
 * whose id is ADMIN_CHAT_ID — the admin's private chat with the bot (its id is the admin's
 * user id) or an admin group, where every member is an admin. The admin writing in any other
 * chat is not enough: the answers (sales, balances) would be read there. Elsewhere the
 * commands fall through as unknown commands do: no answer, no hint. Every change is audited
 * by the store under the actor `telegram-admin:<user id>`.
 */
import { Composer } from 'grammy';
import { refundStarsPayment } from '../../billing/refund.js';
import { TtopsError } from '../../errors.js';
import type { Actor, JobStatus, UserRecord } from '../../store/types.js';
import type { BotContext, BotDeps } from '../context.js';
import { PAYMENT_ALERTS, sendPaymentAlert } from '../payment-alerts.js';
import { TEXTS } from '../texts.js';

/** The largest single grant, the same bound as `ttops credits grant`. */
export const MAX_GRANT = 1_000_000;

/** Whether an update comes from the admin chat. */
export function isAdminChat(adminChatId: string | undefined, ctx: Pick<BotContext, 'chat'>): boolean {
  return adminChatId !== undefined && ctx.chat !== undefined && String(ctx.chat.id) === adminChatId;
}

/** A grant's amount, or undefined when it is not a whole number from 1 to MAX_GRANT. */
export function grantAmount(text: string): number | undefined {
  if (!/^\d{1,7}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= MAX_GRANT ? n : undefined;
}

/** /stats, /grant, /refund for the admin chat. */
export function adminFeature(deps: Pick<BotDeps, 'store' | 'adminChatId' | 'logger'>): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const admin = feature.filter((ctx) => isAdminChat(deps.adminChatId, ctx));
  const actor = (ctx: BotContext): Actor => ({ actor: `telegram-admin:${ctx.from?.id ?? ctx.chat?.id}` });
  // A refused action (not found, conflict, bad input) is answered with its own sentence; anything else is the boundary's.
  const answering = (handler: (ctx: BotContext & { match: string }) => Promise<void>) => async (ctx: BotContext & { match: string }) => {
    try {
      await handler(ctx);
    } catch (error) {
      if (!(error instanceof TtopsError)) throw error;
      await ctx.reply(TEXTS[ctx.lang].admin.failed(error.message));
    }
  };

  admin.command('stats', async (ctx) => {
    const since = new Date(new Date().setUTCHours(0, 0, 0, 0)).toISOString();
    const [sales, queue] = await Promise.all([deps.store.salesStats(since), deps.store.queueCounts()]);
    const jobs = (Object.entries(queue) as [JobStatus, number][]).map(([status, n]) => `${status} ${n}`).join(', ');
    const { users, creditsSold, paymentsSince: p } = sales;
    await ctx.reply(TEXTS[ctx.lang].admin.stats({ users, creditsToday: creditsSold.since, creditsTotal: creditsSold.total, paid: p.paid, stars: p.stars, rejected: p.rejected, refunded: p.refunded, jobs }));
  });

  admin.command(
    'grant',
    answering(async (ctx) => {
      const a = TEXTS[ctx.lang].admin;
      const [who, amountText, ...reason] = ctx.match.trim().split(/\s+/);
      if (!who || !amountText) return void (await ctx.reply(a.grantUsage));
      const amount = grantAmount(amountText);
      if (amount === undefined) return void (await ctx.reply(a.badAmount(MAX_GRANT)));
      const user = await findGrantee(deps.store, who);
      if (!user) return void (await ctx.reply(a.failed(`no user ${who} — a Telegram id (digits, or tg:<id>) or an app username`)));
      const balance = await deps.store.grantCredits(user.id, amount, reason.join(' ').slice(0, 200) || 'bot grant', actor(ctx));
      await ctx.reply(a.granted(who, amount, balance));
    }),
  );

  admin.command(
    'refund',
    answering(async (ctx) => {
      const a = TEXTS[ctx.lang].admin;
      const chargeId = ctx.match.trim();
      if (!chargeId || /\s/.test(chargeId)) return void (await ctx.reply(a.refundUsage));
      try {
        const done = await refundStarsPayment(deps.store, chargeId, actor(ctx), (r) => ctx.api.refundStarPayment(r.user_id, r.telegram_payment_charge_id));
        await ctx.reply(done.refunded ? a.refunded(done) : a.refundedBefore(done.paymentId));
      } catch (error) {
        if (error instanceof TtopsError && error.code === 'stars_refund_failed') {
          const cause = (error.cause as Error | undefined)?.message ?? error.message;
          await sendPaymentAlert(deps.store, deps.adminChatId, 'stars_refund_failed', chargeId, PAYMENT_ALERTS.stars_refund_failed({ chargeId, error: cause.slice(0, 300) }));
        }
        throw error;
      }
    }),
  );
  return feature;
}

/** A Telegram id (`123`, `tg:123`; the account is made if new, as `ttops credits grant` does) or an app username. */
async function findGrantee(store: BotDeps['store'], who: string): Promise<UserRecord | undefined> {
  const tg = /^(?:tg:)?(\d{1,16})$/.exec(who);
  if (tg) return store.ensureTelegramUser(Number(tg[1]));
  return store.findUserByUsername(who);
}
