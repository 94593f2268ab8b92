/**
 * Outbox delivery to Telegram. The Bot API has no idempotency key, so a message may only
 * be resent when Telegram certainly did not take it; everything ambiguous comes back as
 * `unknown` and must not be resent automatically.
 *
 * - `retry`: 429 (the request was rejected; wait `retry_after`), the request never left
 *   us (connection refused, DNS failure, a timeout before the socket was written), a
 *   Bot API 500, and Telegram failing to fetch a video URL.
 * - `unknown`: timeout or connection reset after the request was written, 502/503/504,
 *   any other answer that is not the Bot API's JSON.
 * - `failed` (permanent): blocked by the user (403), chat not found and other 400s,
 *   a bad token (401) — resending the same request cannot succeed.
 *
 * Why a Bot API 500 is retried but 502/503/504 are not: the Bot API server waits for the
 * message to be sent (or to fail) before it answers, so its own `{ok:false,error_code:500}`
 * reports a send that failed. 502/503/504 are what a proxy in front (Telegram's or ours)
 * answers when the backend was slow or went away; the backend may well have sent the
 * message, so resending risks a duplicate.
 */
import type { Dispatcher } from 'undici';
import { networkErrorCode } from './classify.js';
import { asObject, callHttp, headerValue } from './providers/http.js';

/** Where and how to reach the Bot API (TELEGRAM_API_ROOT, TELEGRAM_BOT_TOKEN). */
export interface TelegramSendOptions {
  /** Without a trailing slash, e.g. https://api.telegram.org. */
  apiRoot: string;
  token: string;
  /** Whole-call deadline. sendVideo by URL makes Telegram download the file: give it longer. */
  timeoutMs: number;
  /** Suggested wait for retries Telegram gave no time for (default 3000 ms). */
  retryDelayMs?: number;
  dispatcher?: Dispatcher;
}

/** A text message from the outbox. */
export interface TelegramTextMessage {
  chatId: number | string;
  text: string;
  replyMarkup?: unknown;
  parseMode?: 'HTML' | 'MarkdownV2';
}

/** A finished video sent by URL: Telegram downloads it (URL uploads are capped at 50 MB). */
export interface TelegramVideoMessage {
  chatId: number | string;
  /** A public https URL of the mp4. */
  video: string;
  caption?: string;
  replyMarkup?: unknown;
  parseMode?: 'HTML' | 'MarkdownV2';
}

/** What the outbox does next: store the id, retry later, flag for a human, or give up. */
export type TelegramSendResult =
  | { outcome: 'sent'; messageId: number }
  | { outcome: 'retry'; retryAfterMs: number; reason: string }
  | { outcome: 'unknown'; reason: string }
  | { outcome: 'failed'; code: string; permanent: true; description: string; migrateToChatId?: number };

/** Sends one text message; never throws. */
export async function sendTelegramMessage(options: TelegramSendOptions, message: TelegramTextMessage): Promise<TelegramSendResult> {
  return callSendMethod(options, 'sendMessage', {
    chat_id: message.chatId,
    text: message.text,
    ...(message.parseMode ? { parse_mode: message.parseMode } : {}),
    ...(message.replyMarkup !== undefined ? { reply_markup: message.replyMarkup } : {}),
  });
}

/** Sends one video by URL; never throws. */
export async function sendTelegramVideo(options: TelegramSendOptions, message: TelegramVideoMessage): Promise<TelegramSendResult> {
  return callSendMethod(options, 'sendVideo', {
    chat_id: message.chatId,
    video: message.video,
    supports_streaming: true,
    ...(message.caption !== undefined ? { caption: message.caption } : {}),
    ...(message.parseMode ? { parse_mode: message.parseMode } : {}),
    ...(message.replyMarkup !== undefined ? { reply_markup: message.replyMarkup } : {}),
  });
}

const DEFAULT_RETRY_DELAY_MS = 3000;

async function callSendMethod(options: TelegramSendOptions, method: string, payload: Record<string, unknown>): Promise<TelegramSendResult> {
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const out = await callHttp({
    url: `${options.apiRoot.replace(/\/+$/, '')}/bot${options.token}/${method}`,
    method: 'POST',
    json: payload,
    timeoutMs: options.timeoutMs,
    dispatcher: options.dispatcher,
  });
  if (!out.ok) {
    const code = networkErrorCode(out.error) ?? 'network_error';
    // Before undici starts writing, nothing can have reached Telegram: refused, DNS,
    // a connect that never finished. After it, Telegram may have sent the message.
    if (!out.requestSent) return { outcome: 'retry', retryAfterMs: retryDelayMs, reason: `not_sent:${code}` };
    return { outcome: 'unknown', reason: `${/TIMEOUT|ETIMEDOUT/.test(code) ? 'timeout' : 'network'}_after_send:${code}` };
  }

  const { status, json, headers } = out.answer;
  const body = asObject(json);
  if (body?.ok === true) {
    const messageId = asObject(body.result)?.message_id;
    if (typeof messageId === 'number') return { outcome: 'sent', messageId };
    return { outcome: 'unknown', reason: `ok_without_message_id:${status}` };
  }

  const isBotApiError = body?.ok === false && typeof body.error_code === 'number';
  if (!isBotApiError) {
    // Not the Bot API talking: a proxy page, a truncated body. 4xx from a proxy rejected the
    // request before Telegram; anything else may have been processed.
    if (status >= 400 && status <= 499 && status !== 429) return { outcome: 'failed', code: `telegram_http_${status}`, permanent: true, description: `HTTP ${status} without a Bot API answer — check TELEGRAM_API_ROOT` };
    if (status === 429) return { outcome: 'retry', retryAfterMs: retryAfterFromHeader(headerValue(headers, 'retry-after'), retryDelayMs), reason: 'rate_limited' };
    return { outcome: 'unknown', reason: `http_${status}_not_bot_api` };
  }

  const errorCode = body.error_code as number;
  const description = typeof body.description === 'string' ? body.description : '';
  const parameters = asObject(body.parameters);
  if (errorCode === 429 || status === 429) {
    const seconds = typeof parameters?.retry_after === 'number' ? parameters.retry_after : undefined;
    const retryAfterMs = seconds !== undefined ? seconds * 1000 : retryAfterFromHeader(headerValue(headers, 'retry-after'), retryDelayMs);
    return { outcome: 'retry', retryAfterMs, reason: 'rate_limited' };
  }
  if (errorCode === 500 && status === 500) return { outcome: 'retry', retryAfterMs: retryDelayMs, reason: 'telegram_internal_error' };
  if (errorCode >= 500 || status >= 500) return { outcome: 'unknown', reason: `telegram_${errorCode}` };
  if (errorCode === 400 && /failed to get HTTP URL content/i.test(description)) {
    return { outcome: 'retry', retryAfterMs: retryDelayMs, reason: 'telegram_url_fetch_failed' };
  }
  return failed(errorCode, description, parameters);
}

function failed(errorCode: number, description: string, parameters: Record<string, unknown> | undefined): TelegramSendResult {
  const migrateTo = parameters?.migrate_to_chat_id;
  if (typeof migrateTo === 'number') return { outcome: 'failed', code: 'telegram_chat_migrated', permanent: true, description, migrateToChatId: migrateTo };
  let code = `telegram_error_${errorCode}`;
  if (errorCode === 403) code = /blocked/i.test(description) ? 'telegram_blocked' : 'telegram_forbidden';
  else if (errorCode === 401) code = 'telegram_unauthorized';
  else if (errorCode === 404) code = 'telegram_not_found';
  else if (errorCode === 400 && /chat not found/i.test(description)) code = 'telegram_chat_not_found';
  else if (errorCode === 400) code = 'telegram_bad_request';
  return { outcome: 'failed', code, permanent: true, description };
}

function retryAfterFromHeader(value: string | undefined, fallbackMs: number): number {
  const seconds = value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
  return seconds !== undefined ? seconds * 1000 : fallbackMs;
}
