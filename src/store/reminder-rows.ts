/**
 * Row → record mapping and the SQL both adapters share for reminders: the queries differ
 * only in their placeholders, so the text is written once here and each adapter binds it.
 */
import type { LicenseReminderCandidate, LowBalanceCandidate } from './types.js';

type Row = Record<string, unknown>;

/**
 * The key the bot keeps a user's chosen language under (src/bot/features/language.ts),
 * joined in SQL so a scan reads candidates and their languages in one round trip.
 */
const LANG_JOIN = "LEFT JOIN bot_sessions s ON s.key = 'lang:' || u.telegram_id";

/** Telegram users whose license ends in (:from, :until]. Placeholders: 1 = from, 2 = until. */
export const LICENSES_ENDING_SQL = `
  SELECT u.id, u.telegram_id, u.license_expires_at, s.value AS lang
  FROM users u ${LANG_JOIN}
  WHERE u.telegram_id IS NOT NULL AND u.license_expires_at > $1 AND u.license_expires_at <= $2
  ORDER BY u.id`;

/**
 * Telegram users below the threshold, each with the latest ledger row that took the running
 * balance from ≥ threshold to below it, when that row is not older than :since. The running
 * balance is the ledger summed in id order (the ledger always sums to the balance).
 * Placeholders: 1 = threshold, 2 = since.
 */
export const LOW_BALANCE_SQL = `
  WITH running AS (
    SELECT l.id, l.user_id, l.delta, sum(l.delta) OVER (PARTITION BY l.user_id ORDER BY l.id) AS after
    FROM credit_ledger l JOIN users u ON u.id = l.user_id
    WHERE u.telegram_id IS NOT NULL AND u.credits < $1
  ), latest AS (
    SELECT user_id, max(id) AS ledger_id FROM running WHERE after < $1 AND after - delta >= $1 GROUP BY user_id
  )
  SELECT u.id, u.telegram_id, u.credits, c.ledger_id, l.created_at AS crossed_at, s.value AS lang
  FROM latest c JOIN users u ON u.id = c.user_id JOIN credit_ledger l ON l.id = c.ledger_id ${LANG_JOIN}
  WHERE l.created_at >= $2
  ORDER BY u.id`;

/** Unfinished jobs due before :before (a claim makes `run_at` the lease's end, so a dead worker's jobs count too). */
export const OVERDUE_JOBS_SQL = `
  SELECT count(*) AS n, min(run_at) AS oldest FROM jobs
  WHERE status IN ('queued', 'running', 'waiting_provider') AND run_at < $1`;

const lang = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** A license reminder candidate row. */
export function toLicenseCandidate(row: Row): LicenseReminderCandidate {
  return { userId: Number(row.id), telegramId: Number(row.telegram_id), lang: lang(row.lang), licenseExpiresAt: new Date(String(row.license_expires_at)).toISOString() };
}

/** A low balance candidate row. */
export function toLowBalanceCandidate(row: Row): LowBalanceCandidate {
  return { userId: Number(row.id), telegramId: Number(row.telegram_id), lang: lang(row.lang), credits: Number(row.credits), ledgerId: Number(row.ledger_id), crossedAt: new Date(String(row.crossed_at)).toISOString() };
}

/** The overdue count row. */
export function toOverdue(row: Row | undefined): { count: number; oldestRunAt: string | null } {
  const count = Number(row?.n ?? 0);
  return { count, oldestRunAt: count && row?.oldest ? new Date(String(row.oldest)).toISOString() : null };
}
