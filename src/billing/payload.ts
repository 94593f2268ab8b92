/**
 * The Stars invoice payload: `p:<product id>:<stars>:<telegram user id>:<nonce>`, at most 64
 * bytes (Telegram allows 128). It is not signed: Telegram delivers pre_checkout_query and
 * successful_payment only for invoices this bot created, over the channel that the webhook
 * secret protects, so a signature would guard against nothing. It pins what the buyer was
 * offered — the product, its price at that moment and who it was for — and the nonce makes
 * every invoice distinct.
 */
import { randomBytes } from 'node:crypto';

/** What an invoice payload says. */
export interface InvoicePayload {
  productId: number;
  stars: number;
  telegramId: number;
  nonce: string;
}

const PATTERN = /^p:(\d{1,15}):(\d{1,9}):(\d{1,16}):([A-Za-z0-9_-]{8,24})$/;

/** A fresh payload for one invoice. */
export function makePayload(productId: number, stars: number, telegramId: number, nonce = randomBytes(8).toString('base64url')): string {
  return `p:${productId}:${stars}:${telegramId}:${nonce}`;
}

/** The payload's fields, or undefined when it is not one of ours. */
export function parsePayload(text: string): InvoicePayload | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const [productId, stars, telegramId] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!Number.isSafeInteger(telegramId) || productId < 1 || stars < 1) return undefined;
  return { productId, stars, telegramId, nonce: m[4] };
}
