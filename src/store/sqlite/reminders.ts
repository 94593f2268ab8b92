/** SQLite SQL for reminders and admin alerts: candidates, overdue jobs, outbox rows outside a job. */
import { LICENSES_ENDING_SQL, LOW_BALANCE_SQL, OVERDUE_JOBS_SQL, toLicenseCandidate, toLowBalanceCandidate, toOverdue } from '../reminder-rows.js';
import type { LicenseReminderCandidate, LowBalanceCandidate, OutboxInsert } from '../types.js';
import type { SqliteDb } from './db.js';
import { insertOutbox, jobSignals } from './jobs.js';

type Row = Record<string, unknown>;
// SQLite reads `$1` as a named parameter `1`: bind by name.
const bind = (...values: unknown[]) => Object.fromEntries(values.map((v, i) => [String(i + 1), v]));
const iso = (t: string) => new Date(t).toISOString();

export function licensesEndingBetween(db: SqliteDb, from: string, until: string): LicenseReminderCandidate[] {
  return (db.prepare(LICENSES_ENDING_SQL).all(bind(iso(from), iso(until))) as Row[]).map(toLicenseCandidate);
}

export function lowBalanceCrossings(db: SqliteDb, threshold: number, since: string): LowBalanceCandidate[] {
  return (db.prepare(LOW_BALANCE_SQL).all(bind(threshold, iso(since))) as Row[]).map(toLowBalanceCandidate);
}

export function overdueJobs(db: SqliteDb, before: string): { count: number; oldestRunAt: string | null } {
  return toOverdue(db.prepare(OVERDUE_JOBS_SQL).get(bind(iso(before))) as Row | undefined);
}

