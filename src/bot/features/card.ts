/**
 * Card payments in the bot, next to Stars: a product's card button makes an order for this
 * Telegram user (through the same checkout as the web) and answers with its pay link. What
 * was bought comes back by bot message once the provider's notification is fulfilled, so the
 * bot keeps nothing here; choosing a provider is a second button when several are set up.
 */
import { Composer, InlineKeyboard } from 'grammy';
import { formatRubles } from '../../billing/catalogue.js';
import { TtopsError } from '../../errors.js';
import type { OrderProvider, ProductRecord } from '../../store/types.js';
import type { BotContext, BotDeps } from '../context.js';
import { TEXTS, type Lang } from '../texts.js';

const PROVIDER_NAMES: Record<OrderProvider, string> = { robokassa: 'Robokassa', yookassa: 'ЮKassa', wata: 'WATA' };

/** Adds one card button per product to the shop keyboard. */
export function addCardButtons(keyboard: InlineKeyboard, products: readonly ProductRecord[], lang: Lang): void {
  for (const p of products) keyboard.text(TEXTS[lang].cardProduct(lang === 'ru' ? p.titleRu : p.titleEn, formatRubles(p.priceRub)), `card:${p.id}`).row();
}

/** The card buttons' callbacks. */
export function cardFeature(deps: Pick<BotDeps, 'cardCheckout' | 'logger'>): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const checkout = deps.cardCheckout;
  if (!checkout) return feature;
  feature.callbackQuery(/^card:(\d{1,15})(?::(robokassa|yookassa|wata))?$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const t = TEXTS[ctx.lang];
    const productId = Number(ctx.match[1]);
    const providers = checkout.providers();
    const provider = (ctx.match[2] as OrderProvider | undefined) ?? (providers.length === 1 ? providers[0] : undefined);
    if (!provider) {
      const choose = new InlineKeyboard();
      for (const p of providers) choose.text(PROVIDER_NAMES[p], `card:${productId}:${p}`).row();
      return void (await ctx.reply(t.cardChoose, { reply_markup: choose }));
    }
    try {
      const made = await checkout.createOrder({ product_id: productId, provider, lang: ctx.lang }, { telegramId: ctx.from.id });
      await ctx.reply(t.cardPay(made.amount), { reply_markup: new InlineKeyboard().url(t.cardPayButton, made.pay_url) });
    } catch (error) {
      if (error instanceof TtopsError && error.code === 'product_not_found') return void (await ctx.reply(t.productGone));
      deps.logger?.warn({ err: error, product_id: productId, provider }, 'card order could not be made in the bot');
      await ctx.reply(t.cardFailed);
    }
  });
  return feature;
}
