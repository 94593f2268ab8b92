/**
 * GFS retention for `ttops backup prune`, as a pure function: backups and a policy in, the
 * exact keep/delete lists out. Rules follow restic's `forget --keep-daily/weekly/monthly`:
 * for the last N days (ISO weeks, months) *that have a backup*, keep the newest backup of
 * each — so a timer that stopped firing never ages every backup out. All buckets are UTC,
 * like backup ids. The newest good backup is always kept.
 */

/** One backup folder as prune sees it. */
export interface PruneCandidate {
  id: string;
  time: Date;
  status: 'ok' | 'corrupt' | 'incomplete';
  /**
   * For a temp folder: why it is a dead run's leftover (delete it now), or false while its
   * writer may still be at work (keep it). Undefined: judge by age alone.
   */
  stale?: string | false;
}

/** How many daily, weekly and monthly backups to keep. */
export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

/** The decision, with a reason per backup (shown by `--dry-run`). */
export interface PrunePlan {
  keep: { id: string; reasons: string[] }[];
  delete: { id: string; reason: string }[];
}

/** Defaults (DESIGN.md): 7 daily, 4 weekly, 6 monthly. */
export const DEFAULT_POLICY: RetentionPolicy = { daily: 7, weekly: 4, monthly: 6 };

const DAY_MS = 86_400_000;

/** `2026-11-22` */
export function dayBucket(t: Date): string {
  return t.toISOString().slice(0, 10);
}

/** ISO-8601 week, `2026-W47` (weeks start on Monday; week 1 holds the year's first Thursday). */
export function weekBucket(t: Date): string {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const weekday = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** `2026-11` */
export function monthBucket(t: Date): string {
  return t.toISOString().slice(0, 7);
}

/** Which backups prune keeps and deletes under `policy` at time `now`. */
export function planPrune(backups: PruneCandidate[], policy: RetentionPolicy, now: Date): PrunePlan {
  const newestFirst = [...backups].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : -1));
  const good = newestFirst.filter((b) => b.status === 'ok');
  const reasons = new Map<string, string[]>();
  const mark = (id: string, reason: string) => reasons.set(id, [...(reasons.get(id) ?? []), reason]);

  const rules: [string, number, (t: Date) => string][] = [
    ['daily', policy.daily, dayBucket],
    ['weekly', policy.weekly, weekBucket],
    ['monthly', policy.monthly, monthBucket],
  ];
  for (const [name, limit, bucketOf] of rules) {
    let last: string | undefined;
    let kept = 0;
    for (const b of good) {
      if (kept >= limit) break;
      const bucket = bucketOf(b.time);
      if (bucket === last) continue;
      last = bucket;
      kept++;
      mark(b.id, `${name} ${bucket}`);
    }
  }
  if (good[0]) mark(good[0].id, 'newest');

  const plan: PrunePlan = { keep: [], delete: [] };
  for (const b of newestFirst) {
    if (b.status !== 'ok' && typeof b.stale === 'string') {
      plan.delete.push({ id: b.id, reason: b.stale });
      continue;
    }
    if (b.status !== 'ok' && b.stale === false) {
      plan.keep.push({ id: b.id, reasons: ['unfinished, still being written'] });
      continue;
    }
    if (b.status !== 'ok') {
      const stale = now.getTime() - b.time.getTime() > DAY_MS;
      if (stale) plan.delete.push({ id: b.id, reason: `${b.status}, older than a day` });
      else plan.keep.push({ id: b.id, reasons: [`${b.status}, younger than a day (may still be written)`] });
      continue;
    }
    const why = reasons.get(b.id);
    if (why) plan.keep.push({ id: b.id, reasons: why });
    else plan.delete.push({ id: b.id, reason: 'outside the retention policy' });
  }
  return plan;
}
