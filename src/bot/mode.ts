/**
 * How the bot receives updates, and the values a webhook needs. Webhook when the public base
 * URL is HTTPS (Telegram calls only HTTPS), long polling otherwise; TELEGRAM_MODE forces either.
 *
 * The webhook path carries a hash of the token (`/v2/telegram/webhook/<32 hex>`): scanners
 * that know the documented path never reach the bot code, and the path in logs reveals
 * nothing. The documented `/v2/telegram/webhook` keeps working (same secret check) for
 * setups made by hand; `ttops bot webhook set` registers the hashed one.
 */
import { createHash, createHmac } from 'node:crypto';

/** The update kinds the bot handles (sent as allowed_updates by both modes). */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'pre_checkout_query', 'my_chat_member'] as const;

/** How updates arrive. */
export type BotMode = 'webhook' | 'polling';

/** Webhook for a public HTTPS base URL, polling otherwise, unless forced. */
export function planBotMode(serverHost: string, forced: 'auto' | BotMode = 'auto'): BotMode {
  if (forced !== 'auto') return forced;
  return new URL(serverHost).protocol === 'https:' ? 'webhook' : 'polling';
}

/** The unguessable last path segment, derived from the token so `serve` and the CLI agree. */
export function webhookPathToken(token: string): string {
  return createHash('sha256').update(`ttops-webhook-path:${token}`).digest('hex').slice(0, 32);
}

/** TELEGRAM_WEBHOOK_SECRET, or one derived from the token (Telegram allows A-Z a-z 0-9 _ -). */
export function webhookSecret(token: string, configured?: string): string {
  return configured ?? createHmac('sha256', token).update('ttops-webhook-secret').digest('base64url');
}

/** The URL `ttops bot webhook set` registers. */
export function webhookUrl(serverHost: string, token: string): string {
  return `${serverHost.replace(/\/+$/, '')}/v2/telegram/webhook/${webhookPathToken(token)}`;
}
