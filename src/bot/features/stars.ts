/**
 * Telegram Stars in the bot: the shop (one button per enabled product, titled in the user's
 * language with its price in Stars), the invoice in XTR, the pre-checkout answer (at once,
 * from the catalogue) and fulfilment on successful_payment only — credits with the new
 * balance, or a license key sent once. A replay of a payment sends nothing. A payment that
 * does not match its invoice grants nothing: the buyer is told support will look at it and
 * the admin is alerted, each at most once per charge. make-bot registers this feature
 * before the ordering conversation, which would otherwise swallow payment messages.
 */
import { Composer, InlineKeyboard } from 'grammy';
import { checkPreCheckout, confirmKeySent, fulfilStarsPayment, starsInvoice, StarsPaymentRejected, type StarsFulfilment } from '../../billing/stars.js';
import type { BotContext, BotDeps, TopUpHook } from '../context.js';
import { PAYMENT_ALERTS, sendPaymentAlert } from '../payment-alerts.js';
import { addCardButtons } from './card.js';
import { TEXTS } from '../texts.js';

/** «Пополнить баланс» / /buy: the enabled products as buttons (Stars, and card when a provider is set up). */
export function starsShop(deps: Pick<BotDeps, 'store' | 'cardCheckout'>): TopUpHook {
  return async (ctx) => {
    const t = TEXTS[ctx.lang];
    const products = await deps.store.listProducts({ enabledOnly: true });
    if (products.length === 0) return void (await ctx.reply(t.shopEmpty));
    const keyboard = new InlineKeyboard();
    for (const p of products) keyboard.text(t.product(ctx.lang === 'ru' ? p.titleRu : p.titleEn, p.priceStars), `buy:${p.id}`).row();
    const cards = (deps.cardCheckout?.providers().length ?? 0) > 0;
    if (cards) addCardButtons(keyboard, products, ctx.lang);
    await ctx.reply(cards ? t.shopWithCards : t.shop, { reply_markup: keyboard });
  };
}

/** The invoice button, pre-checkout and successful_payment. */
export function starsFeature(deps: Pick<BotDeps, 'store' | 'adminChatId' | 'logger' | 'referralBonus'>): Composer<BotContext> {
  const feature = new Composer<BotContext>();

  feature.callbackQuery(/^buy:(\d{1,15})$/, async (ctx) => {
    await ctx.answerCallbackQuery();
    const product = await deps.store.findProduct(Number(ctx.match[1]));
    if (!product?.enabled) return void (await ctx.reply(TEXTS[ctx.lang].productGone));
    const invoice = starsInvoice(product, ctx.from.id, ctx.lang);
    await ctx.api.sendInvoice(ctx.chat?.id ?? ctx.from.id, invoice.title, invoice.description, invoice.payload, invoice.currency, invoice.prices, { provider_token: invoice.provider_token });
  });

  // Telegram waits 10 s for this answer and nothing is charged yet: read, answer, change nothing.
  feature.on('pre_checkout_query', async (ctx) => {
    const t = TEXTS[ctx.lang];
    const verdict = await checkPreCheckout(deps.store, ctx.preCheckoutQuery).catch((error: unknown) => {
      deps.logger?.error({ err: error }, 'pre-checkout could not be checked');
      return undefined;
    });
    if (verdict?.ok) await ctx.answerPreCheckoutQuery(true);
    else await ctx.answerPreCheckoutQuery(false, { error_message: verdict ? t.refusal[verdict.reason] : t.checkoutUnavailable });
  });

  feature.on('message:successful_payment', async (ctx) => {
    const t = TEXTS[ctx.lang];
    const payment = ctx.msg.successful_payment;
    let done: StarsFulfilment;
    try {
      done = await fulfilStarsPayment(deps.store, payment, ctx.from, { referralBonus: deps.referralBonus });
    } catch (error) {
      if (!(error instanceof StarsPaymentRejected)) throw error;
      const chargeId = payment.telegram_payment_charge_id;
      deps.logger?.warn({ err: error, charge_id: chargeId }, 'Stars payment held');
      const alert = PAYMENT_ALERTS.stars_rejected({ chargeId, reason: error.reason, telegramId: ctx.from.id, amount: payment.total_amount, currency: payment.currency });
      const notice = { dedupeKey: `stars_held:${chargeId}`, kind: 'payment_held', chatId: String(ctx.chat.id), message: t.paymentHeld };
      await sendPaymentAlert(deps.store, deps.adminChatId, 'stars_rejected', chargeId, alert, [notice]);
      return;
    }
    if (!done.fulfilled) return void deps.logger?.debug({ payment_id: done.paymentId }, 'Stars payment delivered again; fulfilled before');
    if (done.licenseKey) {
      await ctx.reply(t.licenseKey(done.licenseKey, done.licenseExpiresAt!));
      await confirmKeySent(deps.store, done.paymentId);
    } else {
      await ctx.reply(t.creditsAdded(done.credits ?? 0, done.balance));
    }
  });
  return feature;
}
