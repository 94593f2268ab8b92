/**
 * «Мои заказы» / /status: the user's latest jobs with their state, and a button per finished
 * video that sends its result again (delivery itself went through the outbox, once).
 */
import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext, BotDeps } from '../context.js';
import { labels, TEXTS } from '../texts.js';

const SHOWN = 10;

/** Job status and re-delivery on request. */
export function statusFeature(deps: Pick<BotDeps, 'store'>): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const list = async (ctx: BotContext) => {
    const t = TEXTS[ctx.lang];
    const user = ctx.from ? await deps.store.findUserByTelegramId(ctx.from.id) : undefined;
    const jobs = user ? (await deps.store.listJobs({ userId: user.id, limit: SHOWN })).filter((j) => j.kind === 'video.generate') : [];
    if (jobs.length === 0) return void (await ctx.reply(t.noOrders));
    const keyboard = new InlineKeyboard();
    for (const job of jobs.filter((j) => j.status === 'succeeded')) keyboard.text(t.resendButton(job.id), `resend:${job.id}`).row();
    await ctx.reply([t.orders, ...jobs.map((j) => t.job(j.id, j.status))].join('\n'), { reply_markup: keyboard });
  };
  feature.command(['status', 'orders'], list);
  feature.hears(labels('myOrders'), list);
  feature.callbackQuery(/^resend:(\d+)$/, async (ctx) => {
    const t = TEXTS[ctx.lang];
    await ctx.answerCallbackQuery();
    const user = await deps.store.findUserByTelegramId(ctx.from.id);
    const job = await deps.store.findJob(Number(ctx.match[1]));
    const urls = job?.result?.result_urls;
    if (!user || !job || job.userId !== user.id || job.status !== 'succeeded' || !Array.isArray(urls) || urls.length === 0) return void (await ctx.reply(t.jobNotFound));
    for (const url of urls) await ctx.reply(t.videoReady(String(url)));
  });
  return feature;
}
