/**
 * What the bot tells a Telegram buyer whose card order was paid (Russian first, English second).
 * The web pages have their own catalogue (src/web/texts.ts); these go through the outbox.
 */
import type { ProductRecord } from '../store/types.js';

export type OrderLang = 'ru' | 'en';

/** The delivery message: the key itself for a license, the credits for a pack (and any bonus credits). */
export function deliveryMessage(lang: OrderLang, orderId: number, product: ProductRecord, credits: number, key?: { key: string; expiresAt: string }): string {
  const title = lang === 'ru' ? product.titleRu : product.titleEn;
  const lines = [lang === 'ru' ? `✅ Заказ №${orderId} оплачен: ${title}.` : `✅ Order #${orderId} is paid: ${title}.`];
  if (key) {
    lines.push(lang === 'ru' ? `Ваш лицензионный ключ:\n${key.key}\nАктивируйте его до ${key.expiresAt.slice(0, 10)}. Сохраните это сообщение.` : `Your license key:\n${key.key}\nRedeem it by ${key.expiresAt.slice(0, 10)}. Keep this message.`);
  }
  if (credits > 0) lines.push(lang === 'ru' ? `На баланс зачислено кредитов: ${credits}.` : `Credits added to your balance: ${credits}.`);
  return lines.join('\n');
}
