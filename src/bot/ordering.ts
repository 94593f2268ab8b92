/**
 * The bot's side of ordering: the Telegram user's account (created on first use), then the
 * same `createVideoOrder` the API uses — debit and jobs in one transaction. The user's
 * Telegram id becomes the jobs' chat id, so the outbox sends them «started» and each video.
 */
import { createVideoOrder } from '../jobs/orders.js';
import { TtopsError } from '../errors.js';
import type { AccountStore, LedgerStore } from '../store/types.js';
import type { TemplateKey } from './texts.js';

/** What the conversation collected. */
export interface BotOrder {
  imageUrl: string;
  productName: string;
  template: TemplateKey;
  wishes?: string;
  count: number;
}

/** The outcome, as plain JSON (the conversation stores it for replays). */
export type PlacedOrder = { ok: true; orderId: string; jobIds: number[]; credits: number } | { ok: false; needed: number; credits: number };

/** Places an order for a Telegram user; short on credits creates nothing and says so. */
export async function placeBotOrder(store: Pick<AccountStore, 'ensureTelegramUser'> & Pick<LedgerStore, 'createOrder'>, telegramId: number, order: BotOrder, costPerJob: number): Promise<PlacedOrder> {
  const user = await store.ensureTelegramUser(telegramId);
  try {
    const placed = await createVideoOrder(store, user, { template: order.template, product_name: order.productName, image_url: order.imageUrl, wishes: order.wishes, count: order.count }, costPerJob);
    return { ok: true, orderId: placed.order_id, jobIds: placed.jobs.map((j) => j.id), credits: placed.credits };
  } catch (error) {
    if (error instanceof TtopsError && error.code === 'insufficient_credits') return { ok: false, needed: order.count * costPerJob, credits: user.credits };
    throw error;
  }
}
