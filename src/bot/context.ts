/** The bot's context type and what its features need from the outside. */
import type { ConversationFlavor } from '@grammyjs/conversations';
import type { Context } from 'grammy';
import type { Logger } from 'pino';
import type { StarsStore } from '../billing/stars.js';
import type { AccountStore, BotStore, LedgerStore, OutboxStore, QueueStore, ReferralStore, StatsStore } from '../store/types.js';
import type { OpenedUpdate } from './storage.js';
import type { Lang } from './texts.js';
import type { Checkout } from '../orders/types.js';

/** What the bot adds to every update's context: the language to answer in, and what was read when the update arrived. */
export interface BotFlavor extends OpenedUpdate {
  lang: Lang;
}

/** The context outside conversations. */
export type BotContext = ConversationFlavor<Context & BotFlavor>;

/** Called by the «Пополнить баланс» button and /buy; billing plugs its Stars checkout in here. */
export type TopUpHook = (ctx: BotContext) => Promise<void>;

/** The store parts the bot uses (Stars checkout and the admin commands included). */
export type BotStoreParts = BotStore & AccountStore & LedgerStore & StarsStore & StatsStore & Pick<QueueStore, 'listJobs' | 'findJob' | 'queueCounts'> & Pick<OutboxStore, 'enqueueOutbox'> & Pick<ReferralStore, 'attachReferral'>;

/** The part of the checkout the bot's card buttons use. */
export type CardCheckout = Pick<Checkout, 'providers' | 'createOrder'>;

/** Everything `makeBot` needs. */
export interface BotDeps {
  token: string;
  /** Bot API base URL without a trailing slash (TELEGRAM_API_ROOT). */
  apiRoot: string;
  store: BotStoreParts;
  logger?: Logger;
  /** Skips `getMe` (tests, and a faster first update). */
  botInfo?: import('grammy/types').UserFromGetMe;
  /** Credits one video costs (VIDEO_COST_CREDITS). */
  videoCost: number;
  /** REFERRAL_BONUS_CREDITS: each side's bonus on a referred buyer's first payment (0 or unset: referrals off). */
  referralBonus?: number;
  /** Where product photos are kept: `<mediaDir>/static/photos`. */
  mediaDir: string;
  /** The public base URL of `static/`, read at use (it may be known only once `serve` listens). */
  mediaBaseUrl: () => string;
  /** Card payments next to Stars in the shop (when a card provider is configured): orders made for the Telegram buyer, delivered by bot message. */
  cardCheckout?: CardCheckout;
  /** What «Пополнить баланс» and /buy do; the Telegram Stars shop (features/stars.ts) unless replaced. */
  topUp?: TopUpHook;
  /**
   * ADMIN_CHAT_ID: where payment alerts go, and who may use /stats, /grant and /refund — a
   * command sent in that chat (a private chat with the admin, or an admin group), or by the
   * user whose id it is. Unset: no alerts, and the admin commands do not exist.
   */
  adminChatId?: string;
  /** Per Bot API call deadline (default 60 s; grammY's own default is 500 s). */
  timeoutSeconds?: number;
}
