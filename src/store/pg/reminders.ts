/** PostgreSQL SQL for reminders and admin alerts: candidates and overdue jobs. */
import { LICENSES_ENDING_SQL, LOW_BALANCE_SQL, OVERDUE_JOBS_SQL, toLicenseCandidate, toLowBalanceCandidate, toOverdue } from '../reminder-rows.js';
import type { LicenseReminderCandidate, LowBalanceCandidate } from '../types.js';
import { q, type Queryable } from './db.js';

export async function licensesEndingBetween(db: Queryable, from: string, until: string): Promise<LicenseReminderCandidate[]> {
  return (await q(db, LICENSES_ENDING_SQL, [from, until])).map(toLicenseCandidate);
}

export async function lowBalanceCrossings(db: Queryable, threshold: number, since: string): Promise<LowBalanceCandidate[]> {
  return (await q(db, LOW_BALANCE_SQL.replace(/\$1/g, '$1::bigint').replace(/\$2/g, '$2::timestamptz'), [threshold, since])).map(toLowBalanceCandidate);
}

export async function overdueJobs(db: Queryable, before: string): Promise<{ count: number; oldestRunAt: string | null }> {
  const [row] = await q(db, OVERDUE_JOBS_SQL, [before]);
  return toOverdue(row);
}

