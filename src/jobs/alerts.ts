/**
 * Admin alerts: billing errors, exhausted provider keys, workers gone silent. An alert is one
 * outbox row to ADMIN_CHAT_ID whose dedupe key is `alert:<kind>:<window number>` (now divided
 * by the window), so the outbox's unique key lets the same alert out at most once per window
 * however many processes raise it, and `notify.telegram` delivers it like any message.
 * Without ADMIN_CHAT_ID an alert is only logged (once per window per process).
 */
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { OutboxInsert, OutboxStore } from '../store/types.js';

/** Where alerts go and how often the same one may: built once per process (`alertTarget`). */
export interface AlertTarget {
  store: Pick<OutboxStore, 'enqueueOutbox'>;
  /** ADMIN_CHAT_ID; undefined logs alerts only. */
  adminChatId?: string;
  /** ALERT_WINDOW_MINUTES in ms: the default window. */
  windowMs: number;
  logger?: Pick<Logger, 'warn' | 'error'>;
  now?: () => number;
}

/** One alert: a stable kind (the dedupe unit) and a line for the admin. */
export interface Alert {
  kind: string;
  detail: string;
  /** Overrides the target's window for this kind. */
  windowMs?: number;
}

/** What became of a raise: a new outbox row, one already there this window, a log line only, or a store error (logged). */
export type AlertOutcome = 'queued' | 'duplicate' | 'logged' | 'failed';

/** The alert kinds ttops raises itself. */
export const ALERT_KINDS = { keysExhausted: 'provider_keys_exhausted', workersSilent: 'workers_silent', billingPrefix: 'billing_' } as const;

const TITLES: Record<string, string> = {
  [ALERT_KINDS.keysExhausted]: 'all generation API keys are failing; video jobs are waiting',
  [ALERT_KINDS.workersSilent]: 'workers have gone silent while jobs wait',
};

// Telegram caps a message at 4096 characters.
const MAX_DETAIL = 3000;

/** The outbox row for an alert raised at `now`: the window number makes the dedupe key. */
export function planAlert(chatId: string, alert: Alert, windowMs: number, now: number): OutboxInsert {
  const title = TITLES[alert.kind] ?? (alert.kind.startsWith(ALERT_KINDS.billingPrefix) ? `billing error (${alert.kind.slice(ALERT_KINDS.billingPrefix.length)})` : alert.kind);
  const detail = alert.detail.length > MAX_DETAIL ? `${alert.detail.slice(0, MAX_DETAIL)}…` : alert.detail;
  return { dedupeKey: `alert:${alert.kind}:${Math.floor(now / (alert.windowMs ?? windowMs))}`, kind: 'admin_alert', chatId, message: `🚨 ttops: ${title}\n${detail}` };
}

// Without a chat, the window a kind was last logged in (per process): a log line per window, not per raise.
const lastLogged = new Map<string, number>();

/** Raises an alert; never throws (an alert must not break what raised it). */
export async function raiseAlert(target: AlertTarget, alert: Alert): Promise<AlertOutcome> {
  const now = target.now?.() ?? Date.now();
  const windowMs = alert.windowMs ?? target.windowMs;
  if (!target.adminChatId) {
    const window = Math.floor(now / windowMs);
    if (lastLogged.get(alert.kind) !== window) {
      lastLogged.set(alert.kind, window);
      target.logger?.warn({ alert: alert.kind, detail: alert.detail }, 'admin alert (ADMIN_CHAT_ID is not set, so it is only logged)');
    }
    return 'logged';
  }
  try {
    const added = await target.store.enqueueOutbox([planAlert(target.adminChatId, alert, windowMs, now)]);
    if (added) target.logger?.warn({ alert: alert.kind, detail: alert.detail }, 'admin alert queued');
    return added ? 'queued' : 'duplicate';
  } catch (error) {
    target.logger?.error({ err: error, alert: alert.kind, detail: alert.detail }, 'could not queue an admin alert');
    return 'failed';
  }
}

/** For payments code: a billing error (`code` is stable, e.g. `stars_refund_failed`), once per window per code. */
export function raiseBillingAlert(target: AlertTarget, error: { code: string; detail: string }): Promise<AlertOutcome> {
  return raiseAlert(target, { kind: `${ALERT_KINDS.billingPrefix}${error.code}`, detail: error.detail });
}

/** The target from configuration (ADMIN_CHAT_ID, ALERT_WINDOW_MINUTES). */
export function alertTarget(config: Pick<Config, 'telegram' | 'alerts'>, store: Pick<OutboxStore, 'enqueueOutbox'>, logger?: Pick<Logger, 'warn' | 'error'>): AlertTarget {
  return { store, adminChatId: config.telegram.adminChatId, windowMs: config.alerts.windowMs, logger };
}
