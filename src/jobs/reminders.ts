/**
 * User reminders as queue jobs: a `reminders.scan` job finds Telegram users whose license
 * ends within 3 days (and within 1 day), and users whose balance fell below
 * LOW_BALANCE_CREDITS, and writes one outbox row per (user, reminder, period). The outbox's
 * dedupe key names the period — the license's expiry, or the ledger row that crossed the
 * threshold — so a reminder goes out once per period however often or wherever the scan
 * runs, a restart never repeats one, and a renewed license or a new fall gets a new one.
 */
import type { LicenseReminderCandidate, LowBalanceCandidate, NewJob, OutboxInsert, OutboxStore, ReminderStore } from '../store/types.js';
import { REMINDER_TEXTS, reminderLang } from './reminders-texts.js';
import type { JobHandler } from './worker.js';

/** The job kind. */
export const REMINDERS_SCAN_KIND = 'reminders.scan';

const DAY_MS = 86_400_000;

/**
 * Only a fall below the threshold in the last week is reminded: the first scan after an
 * upgrade (or a long outage) must not remind people of a balance that ran out months ago.
 */
export const LOW_BALANCE_LOOKBACK_MS = 7 * DAY_MS;

/** The scan for the hour `now` falls in: every `serve` enqueues it, the dedupe key keeps one per hour. */
export function planRemindersScan(now: number): NewJob {
  return { kind: REMINDERS_SCAN_KIND, dedupeKey: `${REMINDERS_SCAN_KIND}:${new Date(now).toISOString().slice(0, 13)}`, priority: 100 };
}

/**
 * One row per license ending in (now, now + 3 days]: `license_1d` when it ends within a day,
 * else `license_3d` (a license found with less than a day left gets only the 1-day one).
 */
export function planLicenseReminders(candidates: readonly LicenseReminderCandidate[], now: number): OutboxInsert[] {
  return candidates.map((c) => {
    const kind = Date.parse(c.licenseExpiresAt) - now <= DAY_MS ? 'license_1d' : 'license_3d';
    const texts = REMINDER_TEXTS[reminderLang(c.lang)];
    return {
      dedupeKey: `remind:${kind}:${c.userId}:${c.licenseExpiresAt}`,
      kind: `remind_${kind}`,
      chatId: String(c.telegramId),
      message: kind === 'license_1d' ? texts.license1d(c.licenseExpiresAt) : texts.license3d(c.licenseExpiresAt),
    };
  });
}

/** One row per fall below the threshold, keyed on the ledger row that crossed it. */
export function planLowBalanceReminders(candidates: readonly LowBalanceCandidate[]): OutboxInsert[] {
  return candidates.map((c) => ({
    dedupeKey: `remind:low_balance:${c.userId}:${c.ledgerId}`,
    kind: 'remind_low_balance',
    chatId: String(c.telegramId),
    message: REMINDER_TEXTS[reminderLang(c.lang)].lowBalance(c.credits),
  }));
}

/** What the scan needs. */
export interface RemindersDeps {
  store: Pick<ReminderStore, 'licensesEndingBetween' | 'lowBalanceCrossings'> & Pick<OutboxStore, 'enqueueOutbox'>;
  /** LOW_BALANCE_CREDITS. */
  lowBalanceCredits: number;
  now?: () => number;
}

/** Scans once and writes the outbox rows that are not there yet; what it wrote is the job's result. */
export async function runRemindersScan(deps: RemindersDeps): Promise<{ license: number; lowBalance: number; written: number }> {
  const now = deps.now?.() ?? Date.now();
  const licenses = planLicenseReminders(await deps.store.licensesEndingBetween(new Date(now).toISOString(), new Date(now + 3 * DAY_MS).toISOString()), now);
  const lowBalance = planLowBalanceReminders(await deps.store.lowBalanceCrossings(deps.lowBalanceCredits, new Date(now - LOW_BALANCE_LOOKBACK_MS).toISOString()));
  const written = await deps.store.enqueueOutbox([...licenses, ...lowBalance]);
  return { license: licenses.length, lowBalance: lowBalance.length, written };
}

/** The `reminders.scan` handler. */
export function remindersScanHandler(deps: RemindersDeps): JobHandler {
  return async () => ({ status: 'succeeded', result: await runRemindersScan(deps) });
}
