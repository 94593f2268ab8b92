/**
 * SQLite SQL for the queue, credits and outbox. Every write runs in an immediate
 * transaction: SQLite has one writer at a time, so a claim is exclusive across all the
 * processes sharing the file, and read-compute-write inside a transaction is race-free.
 */
import { EventEmitter } from 'node:events';
import { NotFoundError } from '../../errors.js';
import { ACTIVE_STATUSES, applyTransition, insufficientCredits, toJob, toLedger, toOutbox, toUser, toWorker } from '../rows.js';
import { audit, deliveryJob, refundRow } from '../rules.js';
import { insertAudit } from './accounts.js';
import type { Actor, JobRecord, JobStatus, JobTransition, NewJob, OrderInput, OutboxInsert, OutboxRecord, UserRecord, WorkerRecord } from '../types.js';
import type { SqliteDb } from './db.js';

type Row = Record<string, unknown>;
const ACTIVE = ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ');
const iso = (ms = Date.now()) => new Date(ms).toISOString();

/** In-process wake-ups: SQLite has no LISTEN/NOTIFY; other processes find work by polling. */
export const jobSignals = new EventEmitter().setMaxListeners(0);

function insertJob(db: SqliteDb, job: NewJob): JobRecord {
  const row = db
    .prepare(
      `INSERT INTO jobs (kind, payload, user_id, order_id, priority, run_at, max_attempts, dedupe_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING *`,
    )
    .get(job.kind, JSON.stringify(job.payload ?? {}), job.userId ?? null, job.orderId ?? null, job.priority ?? 0, job.runAt ?? iso(), job.maxAttempts ?? 8, job.dedupeKey ?? null) as Row | undefined;
  return toJob(row ?? (db.prepare('SELECT * FROM jobs WHERE dedupe_key = ?').get(job.dedupeKey) as Row));
}

/** Outbox rows, each with the `notify.telegram` job that delivers it; duplicates are skipped. */
export function insertOutbox(db: SqliteDb, items: OutboxInsert[] = []): number {
  let created = 0;
  for (const item of items) {
    const row = db
      .prepare('INSERT INTO outbox (dedupe_key, job_id, kind, chat_id, message) VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id')
      .get(item.dedupeKey, item.jobId ?? null, item.kind, item.chatId, item.message) as Row | undefined;
    if (row) {
      created++;
      insertJob(db, deliveryJob(Number(row.id)));
    }
  }
  return created;
}

export function enqueueOutbox(db: SqliteDb, items: OutboxInsert[]): number {
  const created = db.transaction(() => insertOutbox(db, items)).immediate();
  if (created) jobSignals.emit(db.name);
  return created;
}

export function enqueueJobs(db: SqliteDb, jobs: NewJob[]): JobRecord[] {
  const created = db.transaction(() => jobs.map((j) => insertJob(db, j))).immediate();
  jobSignals.emit(db.name);
  return created;
}

export function createOrder(db: SqliteDb, order: OrderInput): { jobs: JobRecord[]; credits: number } {
  const result = db
    .transaction(() => {
      const user = db.prepare('SELECT credits FROM users WHERE id = ?').get(order.userId) as Row | undefined;
      if (!user) throw new NotFoundError('user_not_found', `no user with id ${order.userId}`);
      const needed = order.costPerJob * order.jobs.length;
      if (Number(user.credits) < needed) throw insufficientCredits(Number(user.credits), needed);
      const jobs = order.jobs.map((j) => insertJob(db, { ...j, userId: order.userId, orderId: order.orderId }));
      const charge = db.prepare("INSERT INTO credit_ledger (user_id, delta, kind, reason, job_id) VALUES (?, ?, 'charge', ?, ?)");
      if (order.costPerJob > 0) for (const job of jobs) charge.run(order.userId, -order.costPerJob, job.kind, job.id);
      db.prepare('UPDATE users SET credits = credits - ? WHERE id = ?').run(needed, order.userId);
      insertOutbox(db, order.outbox);
      return { jobs, credits: Number(user.credits) - needed };
    })
    .immediate();
  jobSignals.emit(db.name);
  return result;
}

export function claimJobs(db: SqliteDb, workerId: string, limit: number, leaseMs: number, kinds?: string[], completed: number[] = []): JobRecord[] {
  const now = Date.now();
  const until = iso(now + leaseMs);
  const kindFilter = kinds?.length ? `AND kind IN (${kinds.map(() => '?').join(', ')})` : '';
  const rows = db
    .transaction(() => {
      // Finishing the previous batch and claiming the next share one write transaction.
      completeJobs(db, workerId, completed);
      return db
          .prepare(
            `UPDATE jobs SET status = 'running', locked_by = ?, locked_until = ?, run_at = ?, updated_at = ?,
                    attempts = attempts + (CASE WHEN status = 'running' THEN 1 ELSE 0 END)
             WHERE id IN (SELECT id FROM jobs WHERE status IN (${ACTIVE}) AND run_at <= ? ${kindFilter}
                          ORDER BY priority, run_at, id LIMIT ?)
             RETURNING *`,
          )
          .all(workerId, until, until, iso(now), iso(now), ...(kinds ?? []), limit) as Row[];
    })
    .immediate();
  return rows.map(toJob).sort((a, b) => a.priority - b.priority || a.id - b.id);
}

export function completeJobs(db: SqliteDb, workerId: string, ids: number[]): number {
  if (ids.length === 0) return 0;
  const now = iso();
  return db
    .prepare(
      `UPDATE jobs SET status = 'succeeded', finished_at = ?, updated_at = ?, locked_by = NULL, locked_until = NULL
       WHERE locked_by = ? AND status = 'running' AND id IN (SELECT value FROM json_each(?))`,
    )
    .run(now, now, workerId, JSON.stringify(ids)).changes;
}

export function transitionJob(db: SqliteDb, workerId: string, id: number, t: JobTransition): JobRecord | undefined {
  const updated = db
    .transaction(() => {
      const row = db.prepare("SELECT * FROM jobs WHERE id = ? AND locked_by = ? AND status = 'running'").get(id, workerId) as Row | undefined;
      if (!row) return undefined;
      const v = applyTransition(toJob(row), t, iso());
      const next = db
        .prepare(
          `UPDATE jobs SET status = ?, run_at = ?, result = ?, error_code = ?, last_error = ?, attempts = ?, provider_task_id = ?,
                  payload = ?, refunded = ?, finished_at = ?, updated_at = ?, locked_by = NULL, locked_until = NULL
           WHERE id = ? RETURNING *`,
        )
        .get(v.status, v.run_at, v.result, v.error_code, v.last_error, v.attempts, v.provider_task_id, v.payload, Number(v.refunded), v.finished_at, v.updated_at, id) as Row;
      const refund = refundRow(id, t.refund);
      if (refund) {
        const refunded = db
          .prepare('INSERT INTO credit_ledger (user_id, delta, kind, reason, job_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id, kind) WHERE job_id IS NOT NULL DO NOTHING')
          .run(refund.userId, refund.delta, refund.kind, refund.reason, refund.jobId);
        if (refunded.changes === 1) db.prepare('UPDATE users SET credits = credits + ? WHERE id = ?').run(refund.delta, refund.userId);
      }
      insertOutbox(db, t.outbox);
      return toJob(next);
    })
    .immediate();
  if (updated && (updated.status === 'queued' || t.outbox?.length)) jobSignals.emit(db.name);
  return updated;
}

export function releaseJobs(db: SqliteDb, workerId: string): number {
  const now = iso();
  return db
    .prepare(
      `UPDATE jobs SET status = CASE WHEN provider_task_id IS NULL THEN 'queued' ELSE 'waiting_provider' END,
              run_at = ?, updated_at = ?, locked_by = NULL, locked_until = NULL
       WHERE locked_by = ? AND status = 'running'`,
    )
    .run(now, now, workerId).changes;
}

export function heartbeat(db: SqliteDb, w: Omit<WorkerRecord, 'startedAt' | 'heartbeatAt'>, leaseMs: number, jobIds: number[]): void {
  const now = iso();
  const until = iso(Date.now() + leaseMs);
  db.transaction(() => {
    db.prepare(
      `INSERT INTO workers (id, hostname, pid, instance, concurrency, running, heartbeat_at, stopping) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET running = excluded.running, heartbeat_at = excluded.heartbeat_at, stopping = excluded.stopping, concurrency = excluded.concurrency`,
    ).run(w.id, w.hostname, w.pid, w.instance, w.concurrency, w.running, now, Number(w.stopping));
    db.prepare("UPDATE jobs SET locked_until = ?, run_at = ? WHERE locked_by = ? AND status = 'running' AND id IN (SELECT value FROM json_each(?))").run(until, until, w.id, JSON.stringify(jobIds));
  }).immediate();
}

export function listWorkers(db: SqliteDb): WorkerRecord[] {
  return (db.prepare('SELECT * FROM workers ORDER BY id').all() as Row[]).map(toWorker);
}

export function findJob(db: SqliteDb, id: number): JobRecord | undefined {
  const row = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
  return row && toJob(row);
}

export function listJobs(db: SqliteDb, filter: { userId?: number; orderId?: string; limit?: number }): JobRecord[] {
  const rows = db
    .prepare('SELECT * FROM jobs WHERE (? IS NULL OR user_id = ?) AND (? IS NULL OR order_id = ?) ORDER BY id DESC LIMIT ?')
    .all(filter.userId ?? null, filter.userId ?? null, filter.orderId ?? null, filter.orderId ?? null, filter.limit ?? 100) as Row[];
  return rows.map(toJob);
}

export function findJobByProviderTask(db: SqliteDb, taskId: string): JobRecord | undefined {
  const row = db.prepare('SELECT * FROM jobs WHERE provider_task_id = ?').get(taskId) as Row | undefined;
  return row && toJob(row);
}

export function wakeJob(db: SqliteDb, id: number): boolean {
  const changed = db.prepare("UPDATE jobs SET run_at = ? WHERE id = ? AND status = 'waiting_provider'").run(iso(), id).changes === 1;
  if (changed) jobSignals.emit(db.name);
  return changed;
}

export function queueCounts(db: SqliteDb): Record<JobStatus, number> {
  const counts: Record<JobStatus, number> = { queued: 0, running: 0, waiting_provider: 0, succeeded: 0, failed: 0 };
  for (const r of db.prepare('SELECT status, count(*) AS n FROM jobs GROUP BY status').all() as Row[]) counts[r.status as JobStatus] = Number(r.n);
  return counts;
}

export function pruneFinishedJobs(db: SqliteDb, before: string): number {
  return db.prepare('DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?').run(before).changes;
}

export function grantCredits(db: SqliteDb, userId: number, amount: number, reason: string, by: Actor): number {
  return db
    .transaction(() => {
      const user = db.prepare('UPDATE users SET credits = credits + ? WHERE id = ? RETURNING credits').get(amount, userId) as Row | undefined;
      if (!user) throw new NotFoundError('user_not_found', `no user with id ${userId}`);
      db.prepare("INSERT INTO credit_ledger (user_id, delta, kind, reason) VALUES (?, ?, 'grant', ?)").run(userId, amount, reason);
      insertAudit(db, audit.creditsGranted(by, userId, amount, reason));
      return Number(user.credits);
    })
    .immediate();
}

export function ledger(db: SqliteDb, userId: number, limit: number) {
  return (db.prepare('SELECT * FROM credit_ledger WHERE user_id = ? ORDER BY id DESC LIMIT ?').all(userId, limit) as Row[]).map(toLedger);
}

export function findUserByTelegramId(db: SqliteDb, telegramId: number): UserRecord | undefined {
  const row = db.prepare('SELECT * FROM users WHERE telegram_id = ?').get(telegramId) as Row | undefined;
  return row && toUser(row);
}

export function ensureTelegramUser(db: SqliteDb, telegramId: number): UserRecord {
  // Read first: the user almost always exists, and the INSERT would take the write lock.
  const found = findUserByTelegramId(db, telegramId);
  if (found) return found;
  db.prepare('INSERT INTO users (telegram_id) VALUES (?) ON CONFLICT (telegram_id) DO NOTHING').run(telegramId);
  return findUserByTelegramId(db, telegramId)!;
}

export function findOutbox(db: SqliteDb, id: number): OutboxRecord | undefined {
  const row = db.prepare('SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
  return row && toOutbox(row);
}

export function markOutbox(db: SqliteDb, id: number, u: { status: OutboxRecord['status']; telegramMessageId?: number; lastError?: string }): void {
  db.prepare(
    `UPDATE outbox SET status = ?, telegram_message_id = coalesce(?, telegram_message_id), last_error = ?, attempts = attempts + 1,
            sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?`,
  ).run(u.status, u.telegramMessageId ?? null, u.lastError ?? null, u.status, iso(), id);
}
