/**
 * The ordering conversation: «Сделать Reels» → product photo → name → template → wishes →
 * «1/3/5 видео» → «Подтвердить». Its state lives in the store (conversations plugin), so a
 * restart mid-flow resumes; every store or network call runs in `conversation.external`, so
 * replays never repeat it. /cancel, another command or a menu button leaves the flow.
 */
import { createConversation, type Conversation } from '@grammyjs/conversations';
import { Composer, type Context } from 'grammy';
import type { BotContext, BotDeps } from '../context.js';
import { confirmButtons, countButtons, mainMenu, templateButtons, topUpButton } from '../keyboards.js';
import { placeBotOrder } from '../ordering.js';
import type { PhotoSaverOptions } from '../photos.js';
import { savePhoto } from '../photos.js';
import { COUNTS, labels, TEMPLATES, TEXTS, type Lang, type TemplateKey } from '../texts.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_NAME = 200;
const MAX_WISHES = 1000;

/** The conversation's id (its state is stored under the chat). */
export const ORDER = 'order';

/** The conversation plus the ways in and out of it. */
export function orderFeature(deps: BotDeps, photos: PhotoSaverOptions): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const menu = new Set([...labels('makeReels'), ...labels('myOrders'), ...labels('balanceButton'), ...labels('topUp'), ...labels('otherLanguage')]);

  feature.command('cancel', async (ctx) => {
    const active = Object.keys(ctx.conversation.active()).length > 0;
    await ctx.conversation.exitAll();
    await ctx.reply(active ? TEXTS[ctx.lang].cancelled : TEXTS[ctx.lang].nothingToCancel, { reply_markup: mainMenu(ctx.lang) });
  });
  // Any other command or a menu button leaves the flow and is then handled as usual.
  feature.on('message:text', async (ctx, next) => {
    if ((ctx.msg.text.startsWith('/') || menu.has(ctx.msg.text)) && Object.keys(ctx.conversation.active()).length) await ctx.conversation.exitAll();
    await next();
  });
  feature.use(createConversation(orderConversation(deps, photos), { id: ORDER, maxMillisecondsToWait: DAY_MS }));
  const enter = (ctx: BotContext) => ctx.conversation.enter(ORDER, ctx.lang);
  feature.command('new', enter);
  feature.hears(labels('makeReels'), enter);
  return feature;
}

function orderConversation(deps: BotDeps, photos: PhotoSaverOptions) {
  return async function order(conversation: Conversation<BotContext, Context>, ctx: Context, lang: Lang): Promise<void> {
    const t = TEXTS[lang];
    const telegramId = ctx.from!.id;

    await ctx.reply(t.askPhoto);
    let imageUrl: string | undefined;
    while (imageUrl === undefined) {
      const got = await conversation.waitFor(':photo', { otherwise: (c) => c.reply(t.needPhoto) });
      // Telegram lists sizes smallest first; the largest is what the provider should see.
      const largest = [...got.msg.photo].sort((a, b) => a.width * a.height - b.width * b.height).at(-1)!;
      const saved = await conversation.external(() =>
        savePhoto(photos, largest.file_id).then(
          (url) => ({ url }),
          (error: unknown) => ({ error: String((error as Error)?.message ?? error) }),
        ),
      );
      if ('url' in saved) imageUrl = saved.url;
      else {
        await conversation.external(() => deps.logger?.warn({ err: saved.error }, 'product photo download failed'));
        await ctx.reply(t.photoFailed);
      }
    }

    await ctx.reply(t.askName);
    const productName = (await conversation.form.text({ otherwise: (c) => c.reply(t.needText) })).trim().slice(0, MAX_NAME);

    await ctx.reply(t.askTemplate, { reply_markup: templateButtons(lang) });
    const picked = await conversation.waitForCallbackQuery(/^tpl:(\w+)$/, { otherwise: (c) => c.reply(t.useButtons) });
    await picked.answerCallbackQuery();
    const template = (picked.match[1] in TEMPLATES ? picked.match[1] : 'ugc') as TemplateKey;

    await ctx.reply(t.askWishes);
    const wishesText = (await conversation.form.text({ otherwise: (c) => c.reply(t.needText) })).trim().slice(0, MAX_WISHES);
    const wishes = wishesText === '-' || wishesText === '—' || wishesText === '' ? undefined : wishesText;

    await ctx.reply(t.askCount, { reply_markup: countButtons(lang) });
    const counted = await conversation.waitForCallbackQuery(new RegExp(`^cnt:(${COUNTS.join('|')})$`), { otherwise: (c) => c.reply(t.useButtons) });
    await counted.answerCallbackQuery();
    const count = Number(counted.match[1]);

    await ctx.reply(t.summary({ name: productName, template: TEMPLATES[template][lang], wishes, count, cost: count * deps.videoCost }), { reply_markup: confirmButtons(lang) });
    const decided = await conversation.waitForCallbackQuery(['order:ok', 'order:no'], { otherwise: (c) => c.reply(t.useButtons) });
    await decided.answerCallbackQuery();
    if (decided.callbackQuery.data === 'order:no') {
      await ctx.reply(t.cancelled, { reply_markup: mainMenu(lang) });
      return;
    }

    const placed = await conversation.external(() => placeBotOrder(deps.store, telegramId, { imageUrl: imageUrl!, productName, template, wishes, count }, deps.videoCost));
    if (!placed.ok) {
      await ctx.reply(t.insufficient(placed.needed, placed.credits), { reply_markup: topUpButton(lang) });
      return;
    }
    await ctx.reply(t.accepted(count, placed.credits), { reply_markup: mainMenu(lang) });
  };
}
