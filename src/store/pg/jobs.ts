/**
 * PostgreSQL SQL for the queue, credits and outbox. Claims use `FOR UPDATE SKIP LOCKED` so
 * concurrent workers never block on each other's rows; every transaction that makes work
 * due sends one `NOTIFY ttops_jobs` (delivered at commit, folded by PostgreSQL).
 */
import type pg from 'pg';
import { NotFoundError } from '../../errors.js';
import { applyTransition, insufficientCredits, toJob, toLedger, toOutbox, toUser, toWorker } from '../rows.js';
import { audit, DELIVERY_JOB, refundRow } from '../rules.js';
import { insertAudit } from './accounts.js';
import type { Actor, JobRecord, JobStatus, JobTransition, NewJob, OrderInput, OutboxInsert, OutboxRecord, UserRecord, WorkerRecord } from '../types.js';
import { affected, Params, q, withTransaction, type Prepared, type Queryable } from './db.js';

export const JOBS_CHANNEL = 'ttops_jobs';

// A worker finds its jobs by id and `locked_by` alone: `locked_by` is set exactly while a job
// runs (every way out of 'running' clears it). Adding `status = 'running'` would let the planner,
// told by statistics that few jobs run, walk the whole partial claim index instead of the key.

// Named columns, not `*`: a prepared statement whose result gains a column (a migration while
// workers run) fails with "cached plan must not change result type".
export const JOB_COLUMNS = ['id', 'kind', 'status', 'payload', 'result', 'user_id', 'order_id', 'priority', 'run_at', 'attempts', 'max_attempts', 'dedupe_key', 'locked_by', 'locked_until', 'provider_task_id', 'error_code', 'last_error', 'refunded', 'created_at', 'updated_at', 'finished_at'];

/** Wakes idle workers once the transaction commits. */
export const notify = (db: Queryable) => q(db, `SELECT pg_notify('${JOBS_CHANNEL}', '')`);

/**
 * Inserts many jobs in one statement; rows whose dedupe key exists come back as they are.
 * With `announce`, the same statement sends the NOTIFY (delivered when it commits).
 */
async function insertJobs(db: Queryable, jobs: NewJob[], announce = false): Promise<JobRecord[]> {
  if (jobs.length === 0) return [];
  const rows = await q(
    db,
    // run_at defaults to the database's clock, not this host's: hosts may disagree by a little.
    `WITH ins AS (
       INSERT INTO jobs (kind, payload, user_id, order_id, priority, run_at, max_attempts, dedupe_key)
       SELECT kind, payload, user_id, order_id, priority, coalesce(run_at, now()), max_attempts, dedupe_key
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::timestamptz[], $7::int[], $8::text[])
            AS t(kind, payload, user_id, order_id, priority, run_at, max_attempts, dedupe_key)
       ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING RETURNING *)
     SELECT ins.* FROM ins${announce ? ` CROSS JOIN (SELECT pg_notify('${JOBS_CHANNEL}', '')) AS n` : ''}`,
    [
      jobs.map((j) => j.kind),
      jobs.map((j) => JSON.stringify(j.payload ?? {})),
      jobs.map((j) => j.userId ?? null),
      jobs.map((j) => j.orderId ?? null),
      jobs.map((j) => j.priority ?? 0),
      jobs.map((j) => j.runAt ?? null),
      jobs.map((j) => j.maxAttempts ?? 8),
      jobs.map((j) => j.dedupeKey ?? null),
    ],
  );
  const created = rows.map(toJob);
  if (created.length === jobs.length) return created;
  const missing = jobs.filter((j) => j.dedupeKey && !created.some((c) => c.dedupeKey === j.dedupeKey)).map((j) => j.dedupeKey);
  const existing = (await q(db, 'SELECT * FROM jobs WHERE dedupe_key = ANY($1::text[])', [missing])).map(toJob);
  return [...created, ...existing];
}

/**
 * Outbox rows, each with the job that delivers it (rules.DELIVERY_JOB), as two parts of a WITH
 * (`box`, `delivery`) for a statement that may do more, inserted only `when` it says (a WHERE
 * clause); duplicates are skipped. The statement announces them by selecting ANNOUNCE_OUTBOX.
 */
export function outboxParts(p: Params, items: OutboxInsert[], when = ''): string[] {
  return [
    `box AS (
       INSERT INTO outbox (dedupe_key, job_id, kind, chat_id, message)
       SELECT * FROM unnest(${p.add(items.map((i) => i.dedupeKey), 'text[]')}, ${p.add(items.map((i) => i.jobId ?? null), 'bigint[]')}, ${p.add(items.map((i) => i.kind), 'text[]')},
                            ${p.add(items.map((i) => i.chatId), 'text[]')}, ${p.add(items.map((i) => i.message), 'text[]')}) AS item ${when}
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id)`,
    `delivery AS (
       INSERT INTO jobs (kind, payload, priority, dedupe_key)
       SELECT ${p.add(DELIVERY_JOB.kind, 'text')}, json_build_object(${p.add(DELIVERY_JOB.payloadKey, 'text')}, id)::text, ${p.add(DELIVERY_JOB.priority, 'int')}, ${p.add(DELIVERY_JOB.dedupePrefix, 'text')} || id FROM box
       ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING)`,
  ];
}

/** The NOTIFY that wakes a worker for new outbox rows (delivered at commit), as a column of the statement's SELECT. */
export const ANNOUNCE_OUTBOX = `CASE WHEN EXISTS (SELECT 1 FROM box) THEN pg_notify('${JOBS_CHANNEL}', '')::text END`;

/** Inserts outbox rows with their delivery jobs and the NOTIFY, in one statement; returns how many were new. */
export async function insertOutbox(db: Queryable, items: OutboxInsert[] = []): Promise<number> {
  if (items.length === 0) return 0;
  const p = new Params();
  const text = `WITH ${outboxParts(p, items).join(',\n')} SELECT (SELECT count(*) FROM box) AS created, ${ANNOUNCE_OUTBOX} AS announced`;
  const [row] = await q(db, { name: 'ttops_insert_outbox', text }, p.values);
  return Number(row.created);
}

export function enqueueOutbox(pool: pg.Pool, items: OutboxInsert[]): Promise<number> {
  return insertOutbox(pool, items);
}

export async function enqueueJobs(pool: pg.Pool, jobs: NewJob[]): Promise<JobRecord[]> {
  // One statement, one round trip: the insert and its NOTIFY commit together (a transaction
  // around them cost two more round trips, most of the enqueue→start p99 at 400 jobs/s).
  return insertJobs(pool, jobs, true);
}

export function createOrder(pool: pg.Pool, order: OrderInput): Promise<{ jobs: JobRecord[]; credits: number }> {
  const needed = order.costPerJob * order.jobs.length;
  return withTransaction(pool, async (tx) => {
    const [debited] = await q(tx, 'UPDATE users SET credits = credits - $2 WHERE id = $1 AND credits >= $2 RETURNING credits', [order.userId, needed]);
    if (!debited) {
      const [user] = await q(tx, 'SELECT credits FROM users WHERE id = $1', [order.userId]);
      if (!user) throw new NotFoundError('user_not_found', `no user with id ${order.userId}`);
      throw insufficientCredits(Number(user.credits), needed);
    }
    const jobs = await insertJobs(tx, order.jobs.map((j) => ({ ...j, userId: order.userId, orderId: order.orderId })));
    if (order.costPerJob > 0) {
      await q(tx, "INSERT INTO credit_ledger (user_id, delta, kind, reason, job_id) SELECT $1, $2, 'charge', kind, id FROM unnest($3::bigint[], $4::text[]) AS t(id, kind)", [
        order.userId,
        -order.costPerJob,
        jobs.map((j) => j.id),
        jobs.map((j) => j.kind),
      ]);
    }
    await insertOutbox(tx, order.outbox);
    await notify(tx);
    return { jobs, credits: Number(debited.credits) };
  });
}

// Finishes the previous batch and claims the next in one statement: see migrations 0003 and 0004 for
// the function and why its plan is pinned. A data-modifying CTE there runs exactly once.
const CLAIM: Prepared = { name: 'ttops_claim_jobs', text: `SELECT ${JOB_COLUMNS.join(', ')} FROM ttops_claim_jobs($1, $2, $3, $4, $5)` };

export async function claimJobs(pool: pg.Pool, workerId: string, limit: number, leaseMs: number, kinds?: string[], completed: number[] = []): Promise<JobRecord[]> {
  const rows = await q(pool, CLAIM, [limit, workerId, leaseMs, kinds?.length ? kinds : null, completed]);
  return rows.map(toJob).sort((a, b) => a.priority - b.priority || a.id - b.id);
}

export async function completeJobs(pool: pg.Pool, workerId: string, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  return affected(
    pool,
    `UPDATE jobs SET status = 'succeeded', finished_at = now(), updated_at = now(), locked_by = NULL, locked_until = NULL
     WHERE id = ANY($1::bigint[]) AND locked_by = $2`,
    [ids, workerId],
  );
}

export function transitionJob(pool: pg.Pool, workerId: string, id: number, t: JobTransition): Promise<JobRecord | undefined> {
  return withTransaction(pool, async (tx) => {
    const [row] = await q(tx, "SELECT * FROM jobs WHERE id = $1 AND locked_by = $2 FOR UPDATE", [id, workerId]);
    if (!row) return undefined;
    const v = applyTransition(toJob(row), t, new Date().toISOString());
    const [next] = await q(
      tx,
      `UPDATE jobs SET status = $2, run_at = $3, result = $4, error_code = $5, last_error = $6, attempts = $7, provider_task_id = $8,
              payload = $9, refunded = $10, finished_at = $11, updated_at = $12, locked_by = NULL, locked_until = NULL
       WHERE id = $1 RETURNING *`,
      [id, v.status, v.run_at, v.result, v.error_code, v.last_error, v.attempts, v.provider_task_id, v.payload, v.refunded, v.finished_at, v.updated_at],
    );
    const refund = refundRow(id, t.refund);
    if (refund) {
      const refunded = await q(
        tx,
        'INSERT INTO credit_ledger (user_id, delta, kind, reason, job_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job_id, kind) WHERE job_id IS NOT NULL DO NOTHING RETURNING id',
        [refund.userId, refund.delta, refund.kind, refund.reason, refund.jobId],
      );
      if (refunded.length === 1) await q(tx, 'UPDATE users SET credits = credits + $2 WHERE id = $1', [refund.userId, refund.delta]);
    }
    await insertOutbox(tx, t.outbox);
    if (t.status === 'queued') await notify(tx);
    return toJob(next);
  });
}

export async function releaseJobs(pool: pg.Pool, workerId: string): Promise<number> {
  const rows = await q(
    pool,
    `UPDATE jobs SET status = CASE WHEN provider_task_id IS NULL THEN 'queued' ELSE 'waiting_provider' END,
            run_at = now(), updated_at = now(), locked_by = NULL, locked_until = NULL
     WHERE locked_by = $1 AND status = 'running' RETURNING id`,
    [workerId],
  );
  if (rows.length) await notify(pool);
  return rows.length;
}

export function heartbeat(pool: pg.Pool, w: Omit<WorkerRecord, 'startedAt' | 'heartbeatAt'>, leaseMs: number, jobIds: number[]): Promise<void> {
  return withTransaction(pool, async (tx) => {
    await q(
      tx,
      `INSERT INTO workers (id, hostname, pid, instance, concurrency, running, heartbeat_at, stopping) VALUES ($1, $2, $3, $4, $5, $6, now(), $7)
       ON CONFLICT (id) DO UPDATE SET running = excluded.running, heartbeat_at = now(), stopping = excluded.stopping, concurrency = excluded.concurrency`,
      [w.id, w.hostname, w.pid, w.instance, w.concurrency, w.running, w.stopping],
    );
    // SKIP LOCKED: a row this worker is finishing right now needs no extension, and waiting
    // for it could deadlock against that completion.
    await q(
      tx,
      `UPDATE jobs SET locked_until = now() + make_interval(secs => $2::float8 / 1000), run_at = now() + make_interval(secs => $2::float8 / 1000)
       WHERE id IN (SELECT id FROM jobs WHERE id = ANY($3::bigint[]) AND locked_by = $1 ORDER BY id FOR UPDATE SKIP LOCKED)`,
      [w.id, leaseMs, jobIds],
    );
  });
}

export async function listWorkers(db: Queryable): Promise<WorkerRecord[]> {
  return (await q(db, 'SELECT * FROM workers ORDER BY id')).map(toWorker);
}

export async function findJob(db: Queryable, id: number): Promise<JobRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM jobs WHERE id = $1', [id]);
  return row && toJob(row);
}

export async function listJobs(db: Queryable, f: { userId?: number; orderId?: string; limit?: number }): Promise<JobRecord[]> {
  const rows = await q(db, 'SELECT * FROM jobs WHERE ($1::bigint IS NULL OR user_id = $1) AND ($2::text IS NULL OR order_id = $2) ORDER BY id DESC LIMIT $3', [f.userId ?? null, f.orderId ?? null, f.limit ?? 100]);
  return rows.map(toJob);
}

export async function findJobByProviderTask(db: Queryable, taskId: string): Promise<JobRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM jobs WHERE provider_task_id = $1', [taskId]);
  return row && toJob(row);
}

export function wakeJob(pool: pg.Pool, id: number): Promise<boolean> {
  return withTransaction(pool, async (tx) => {
    const rows = await q(tx, "UPDATE jobs SET run_at = now() WHERE id = $1 AND status = 'waiting_provider' RETURNING id", [id]);
    if (rows.length) await notify(tx);
    return rows.length === 1;
  });
}

export async function queueCounts(db: Queryable): Promise<Record<JobStatus, number>> {
  const counts: Record<JobStatus, number> = { queued: 0, running: 0, waiting_provider: 0, succeeded: 0, failed: 0 };
  for (const r of await q(db, 'SELECT status, count(*) AS n FROM jobs GROUP BY status')) counts[r.status as JobStatus] = Number(r.n);
  return counts;
}

/** Deletes finished jobs older than `before`: a scan, run hourly (no index slows every completion for it). */
export async function pruneFinishedJobs(db: Queryable, before: string): Promise<number> {
  return affected(db, 'DELETE FROM jobs WHERE finished_at < $1', [before]);
}

export function grantCredits(pool: pg.Pool, userId: number, amount: number, reason: string, by: Actor): Promise<number> {
  return withTransaction(pool, async (tx) => {
    const [user] = await q(tx, 'UPDATE users SET credits = credits + $2 WHERE id = $1 RETURNING credits', [userId, amount]);
    if (!user) throw new NotFoundError('user_not_found', `no user with id ${userId}`);
    await q(tx, "INSERT INTO credit_ledger (user_id, delta, kind, reason) VALUES ($1, $2, 'grant', $3)", [userId, amount, reason]);
    await insertAudit(tx, audit.creditsGranted(by, userId, amount, reason));
    return Number(user.credits);
  });
}

export async function ledger(db: Queryable, userId: number, limit: number) {
  return (await q(db, 'SELECT * FROM credit_ledger WHERE user_id = $1 ORDER BY id DESC LIMIT $2', [userId, limit])).map(toLedger);
}

export async function findUserByTelegramId(db: Queryable, telegramId: number): Promise<UserRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM users WHERE telegram_id = $1', [telegramId]);
  return row && toUser(row);
}

export async function ensureTelegramUser(db: Queryable, telegramId: number): Promise<UserRecord> {
  // Every /start and balance lands here and the user almost always exists: one round trip then.
  const found = await findUserByTelegramId(db, telegramId);
  if (found) return found;
  await q(db, 'INSERT INTO users (telegram_id) VALUES ($1) ON CONFLICT (telegram_id) DO NOTHING', [telegramId]);
  return (await findUserByTelegramId(db, telegramId))!;
}

export async function findOutbox(db: Queryable, id: number): Promise<OutboxRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM outbox WHERE id = $1', [id]);
  return row && toOutbox(row);
}

export async function markOutbox(db: Queryable, id: number, u: { status: OutboxRecord['status']; telegramMessageId?: number; lastError?: string }): Promise<void> {
  await q(
    db,
    `UPDATE outbox SET status = $2, telegram_message_id = coalesce($3, telegram_message_id), last_error = $4, attempts = attempts + 1,
            sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END WHERE id = $1`,
    [id, u.status, u.telegramMessageId ?? null, u.lastError ?? null],
  );
}
