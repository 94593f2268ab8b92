/**
 * What a chaos run ended with, read from the database and the fakes' call logs, and the
 * invariants of issue 3 checked against it: every job terminal, one charge per job, a
 * refund exactly for each failed job, ledger = balance for every user, and at most one
 * duplicate Telegram message per killed worker; plus issue 12's money invariants
 * (chaos-money-report.ts) when the run had money traffic. The harness runs; this only counts.
 */
import type pg from 'pg';
import type { MoneyObserved } from './chaos-money.js';
import { collectShopReport, formatShopReport, type ShopReport } from './chaos-money-report.js';
import type { FakeKieServer } from '../fakes/kie-server.js';
import type { FakeTelegramServer } from '../fakes/telegram-server.js';

/** A job that never reached a terminal state, as the database last saw it. */
export interface StuckJob {
  id: number;
  kind: string;
  status: string;
  lockedBy: string | null;
  lockedUntil: string | null;
  attempts: number;
  lastError: string | null;
}

/** A Telegram text sent more often than the outbox holds it. */
export interface DuplicateMessage {
  chatId: string;
  /** The outbox rows with this chat and text (usually one). */
  dedupeKeys: string[];
  jobIds: number[];
  sends: number;
  rows: number;
  /** Seconds since the workers started at which each send reached the fake Bot API. */
  sentAt: number[];
}

/** A worker that exited without being killed by the harness. */
export interface UnexpectedExit {
  instance: number;
  code: number | null;
  signal: string | null;
  stderrTail: string;
}

/** What the harness itself observed while it ran. */
export interface ChaosObserved {
  seconds: number;
  /** Seconds from the last chaos event until every job was terminal. */
  drainSeconds: number;
  kills: number;
  restarts: number;
  restartDowntimeMs: number[];
  workersStarted: number;
  startFailures: number;
  unexpectedExits: UnexpectedExit[];
  /** `worker loop error` log lines of all workers, by `during` (claim, record, heartbeat, …). */
  workerErrors: Record<string, number>;
  /** The same by `during: message`. */
  workerErrorMessages: Record<string, number>;
  timedOut: boolean;
  /** Unfinished jobs as they were at the timeout, before the workers' graceful stop released them. */
  stuckAtTimeout: StuckJob[];
  /** Credits each user was granted (or had when their account was made), by user id: the balance check's starting point. */
  granted: Map<number, number>;
  /** The money traffic, when the run had one, and REFERRAL_BONUS_CREDITS. */
  shop?: { observed: MoneyObserved; referralBonus: number };
  /** `ttops serve` processes of the money traffic: SIGKILLs, starts, and exits nobody asked for. */
  serves?: { kills: number; started: number; startFailures: number; unexpectedExits: UnexpectedExit[] };
  videoJobs: number;
  /** Kills, crashes and the restart, in seconds since the workers started. */
  timeline: { at: number; what: string }[];
  /** Send times by `chat\0text`. */
  sendTimes: Map<string, number[]>;
}

/** The numbers of one chaos run. `failures` lists every invariant that did not hold. */
export interface ChaosReport {
  seconds: number;
  drainSeconds: number;
  jobs: { video: number; notify: number; byStatus: Record<string, number>; byErrorCode: Record<string, number>; reclaimedOrRetried: number; notTerminal: StuckJob[] };
  money: { charges: number; refunds: number; chargeViolations: { jobId: number; charges: number }[]; refundViolations: { jobId: number; status: string; refunds: number; refunded: boolean }[]; ledgerMismatches: { userId: number; ledger: number; balance: number; expected: number }[] };
  provider: { createTaskAccepted: number; jobsWithTask: number; duplicateSubmissions: number; recordInfoCalls: number };
  telegram: { sendMessage: number; outboxRows: number; outboxByStatus: Record<string, number>; duplicates: number; duplicateMessages: DuplicateMessage[]; undelivered: number };
  chaos: { kills: number; restarts: number; restartDowntimeMs: number[]; workersStarted: number; startFailures: number; unexpectedExits: UnexpectedExit[]; workerErrors: Record<string, number>; workerErrorMessages: Record<string, number>; timedOut: boolean; timeline: { at: number; what: string }[]; serveKills: number; servesStarted: number; serveStartFailures: number; serveUnexpectedExits: UnexpectedExit[] };
  /** The money traffic's numbers and invariants; null in a run without it. */
  shop: ShopReport | null;
  failures: string[];
}

const count = <K extends string>(items: K[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const k of items) out[k] = (out[k] ?? 0) + 1;
  return out;
};

/** Jobs not yet succeeded or failed, with who holds them. */
export async function stuckJobs(db: pg.Pool): Promise<StuckJob[]> {
  const { rows } = await db.query("SELECT id, kind, status, locked_by, locked_until, attempts, last_error FROM jobs WHERE status NOT IN ('succeeded', 'failed') ORDER BY id LIMIT 100");
  return rows.map((j) => ({ id: Number(j.id), kind: j.kind, status: j.status, lockedBy: j.locked_by, lockedUntil: j.locked_until && new Date(j.locked_until).toISOString(), attempts: j.attempts, lastError: j.last_error }));
}

/** Reads the final state and checks the invariants. */
export async function collectChaosReport(db: pg.Pool, kie: FakeKieServer, tg: FakeTelegramServer, seen: ChaosObserved): Promise<ChaosReport> {
  const { rows: jobs } = await db.query(`
    SELECT j.id, j.kind, j.status, j.attempts, j.error_code, j.refunded, j.provider_task_id,
           count(l.id) FILTER (WHERE l.kind = 'charge')::int AS charges, count(l.id) FILTER (WHERE l.kind = 'refund')::int AS refunds
    FROM jobs j LEFT JOIN credit_ledger l ON l.job_id = j.id GROUP BY j.id ORDER BY j.id`);
  const video = jobs.filter((j) => j.kind === 'video.generate');
  const notTerminal = seen.timedOut ? seen.stuckAtTimeout : await stuckJobs(db);
  const chargeViolations = video.filter((j) => j.charges !== 1).map((j) => ({ jobId: Number(j.id), charges: j.charges }));
  const refundViolations = video
    .filter((j) => (j.status === 'failed' ? j.refunds !== 1 || !j.refunded : j.refunds !== 0 || j.refunded))
    .map((j) => ({ jobId: Number(j.id), status: j.status, refunds: j.refunds, refunded: j.refunded }));

  const { rows: users } = await db.query(`
    SELECT u.id, u.credits, (SELECT coalesce(sum(l.delta), 0) FROM credit_ledger l WHERE l.user_id = u.id)::int AS ledger,
           (SELECT count(*) FROM jobs j WHERE j.user_id = u.id AND j.kind = 'video.generate')::int AS ordered,
           (SELECT count(*) FROM jobs j WHERE j.user_id = u.id AND j.kind = 'video.generate' AND j.status = 'failed')::int AS failed,
           (SELECT coalesce(sum(o.credits), 0) FROM orders o WHERE o.user_id = u.id AND o.status = 'paid')::int AS purchased,
           (SELECT count(*) FROM referrals r WHERE r.bonus_granted_at IS NOT NULL AND r.invitee_user_id = u.id)::int AS invited_bonuses,
           (SELECT count(*) FROM referrals r WHERE r.bonus_granted_at IS NOT NULL AND r.inviter_user_id = u.id)::int AS inviter_rewards
    FROM users u`);
  // Independent of the ledger: what the balance must be from grants, video orders, failures, paid shop orders and referral bonuses.
  const bonus = seen.shop?.referralBonus ?? 0;
  const ledgerMismatches = users
    .map((u) => ({ userId: Number(u.id), ledger: u.ledger, balance: Number(u.credits), expected: (seen.granted.get(Number(u.id)) ?? 0) - u.ordered + u.failed + u.purchased + bonus * (u.invited_bonuses + u.inviter_rewards) }))
    .filter((u) => u.ledger !== u.balance || u.balance !== u.expected);

  const accepted = kie.calls.filter((c) => c.op === 'createTask' && c.httpStatus === 200 && c.code === 200).length;
  const jobsWithTask = video.filter((j) => j.provider_task_id).length;

  const { rows: outbox } = await db.query('SELECT dedupe_key, job_id, chat_id, message, status FROM outbox');
  const groups = new Map<string, { chatId: string; keys: string[]; jobIds: number[]; rows: number; sends: number }>();
  const key = (chat: unknown, text: unknown) => `${String(chat)}\u0000${String(text)}`;
  for (const o of outbox) {
    const g = groups.get(key(o.chat_id, o.message)) ?? { chatId: String(o.chat_id), keys: [], jobIds: [], rows: 0, sends: 0 };
    g.keys.push(o.dedupe_key);
    if (o.job_id !== null) g.jobIds.push(Number(o.job_id));
    g.rows++;
    groups.set(key(o.chat_id, o.message), g);
  }
  const sends = tg.callsOf('sendMessage');
  let strays = 0;
  for (const call of sends) {
    const g = groups.get(key(call.payload.chat_id, call.payload.text));
    if (g) g.sends++;
    else strays++;
  }
  const duplicateMessages: DuplicateMessage[] = [...groups.entries()]
    .filter(([, g]) => g.sends > g.rows)
    .map(([k, g]) => ({ chatId: g.chatId, dedupeKeys: g.keys, jobIds: g.jobIds, sends: g.sends, rows: g.rows, sentAt: seen.sendTimes.get(k) ?? [] }));
  const duplicates = duplicateMessages.reduce((s, d) => s + d.sends - d.rows, 0) + strays;
  const undelivered = [...groups.values()].reduce((s, g) => s + Math.max(0, g.rows - g.sends), 0);
  const outboxByStatus = count(outbox.map((o) => o.status as string));

  const failures: string[] = [];
  if (seen.timedOut || notTerminal.length) failures.push(`${notTerminal.length} job(s) not terminal${seen.timedOut ? ' at the timeout' : ''}`);
  if (video.length !== seen.videoJobs) failures.push(`${video.length} video jobs in the database, ${seen.videoJobs} ordered`);
  if (chargeViolations.length) failures.push(`${chargeViolations.length} job(s) without exactly one charge`);
  if (refundViolations.length) failures.push(`${refundViolations.length} job(s) whose refund does not match their outcome`);
  if (ledgerMismatches.length) failures.push(`${ledgerMismatches.length} user(s) whose ledger, balance and orders disagree`);
  if (duplicates > seen.kills) failures.push(`${duplicates} duplicate message(s) for ${seen.kills} kill(s)`);
  // `unknown` is a row whose send may or may not have reached Telegram (surfaced, never resent); anything else unsent is lost.
  const settled = (outboxByStatus.sent ?? 0) + (outboxByStatus.unknown ?? 0);
  if (settled !== outbox.length || undelivered > (outboxByStatus.unknown ?? 0)) failures.push(`${undelivered} message(s) never reached Telegram; outbox ${JSON.stringify(outboxByStatus)}`);
  if (seen.unexpectedExits.length) failures.push(`${seen.unexpectedExits.length} worker(s) exited without being killed`);
  const serves = seen.serves ?? { kills: 0, started: 0, startFailures: 0, unexpectedExits: [] };
  if (serves.unexpectedExits.length) failures.push(`${serves.unexpectedExits.length} serve process(es) exited without being killed`);
  const shop = seen.shop ? await collectShopReport(db, seen.shop.observed, seen.shop.referralBonus) : null;
  if (shop) failures.push(...shop.failures);

  return {
    seconds: seen.seconds,
    drainSeconds: seen.drainSeconds,
    jobs: {
      video: video.length,
      notify: jobs.length - video.length,
      byStatus: count(video.map((j) => j.status as string)),
      byErrorCode: count(video.filter((j) => j.error_code).map((j) => j.error_code as string)),
      reclaimedOrRetried: video.filter((j) => j.attempts > 0).length,
      notTerminal,
    },
    money: { charges: video.reduce((s, j) => s + j.charges, 0), refunds: video.reduce((s, j) => s + j.refunds, 0), chargeViolations, refundViolations, ledgerMismatches },
    provider: { createTaskAccepted: accepted, jobsWithTask, duplicateSubmissions: accepted - jobsWithTask, recordInfoCalls: kie.calls.filter((c) => c.op === 'recordInfo').length },
    telegram: { sendMessage: sends.length, outboxRows: outbox.length, outboxByStatus, duplicates, duplicateMessages, undelivered },
    chaos: { kills: seen.kills, restarts: seen.restarts, restartDowntimeMs: seen.restartDowntimeMs, workersStarted: seen.workersStarted, startFailures: seen.startFailures, unexpectedExits: seen.unexpectedExits, workerErrors: seen.workerErrors, workerErrorMessages: seen.workerErrorMessages, timedOut: seen.timedOut, timeline: seen.timeline, serveKills: serves.kills, servesStarted: serves.started, serveStartFailures: serves.startFailures, serveUnexpectedExits: serves.unexpectedExits },
    shop,
    failures,
  };
}

/** A few lines for a test diagnostic or the bench's output. */
export function formatChaosReport(r: ChaosReport): string {
  return [
    `jobs: ${r.jobs.video} video (${JSON.stringify(r.jobs.byStatus)}; errors ${JSON.stringify(r.jobs.byErrorCode)}), ${r.jobs.notify} notify; ${r.jobs.reclaimedOrRetried} video job(s) ran more than once; not terminal: ${r.jobs.notTerminal.length}`,
    `money: ${r.money.charges} charges, ${r.money.refunds} refunds; violations: charge ${r.money.chargeViolations.length}, refund ${r.money.refundViolations.length}, ledger ${r.money.ledgerMismatches.length}`,
    `provider: ${r.provider.createTaskAccepted} createTask accepted for ${r.provider.jobsWithTask} jobs → ${r.provider.duplicateSubmissions} duplicate submission(s); ${r.provider.recordInfoCalls} polls`,
    `telegram: ${r.telegram.sendMessage} sendMessage for ${r.telegram.outboxRows} outbox rows → ${r.telegram.duplicates} duplicate(s), ${r.telegram.undelivered} undelivered; outbox ${JSON.stringify(r.telegram.outboxByStatus)}`,
    `chaos: ${r.chaos.kills} SIGKILL(s), ${r.chaos.restarts} PostgreSQL restart(s) (${r.chaos.restartDowntimeMs.join(', ')} ms), ${r.chaos.workersStarted} worker processes (${r.chaos.startFailures} failed to start), ${r.chaos.unexpectedExits.length} unexpected exit(s); serves: ${r.chaos.serveKills} SIGKILL(s), ${r.chaos.servesStarted} processes (${r.chaos.serveStartFailures} failed to start), ${r.chaos.serveUnexpectedExits.length} unexpected exit(s)`,
    ...(r.shop ? formatShopReport(r.shop) : []),
    `worker loop errors: ${Object.entries(r.chaos.workerErrorMessages).map(([m, n]) => `${m} ×${n}`).join('; ') || 'none'}`,
    `timeline (s): ${r.chaos.timeline.map((e) => `${e.at.toFixed(1)} ${e.what}`).join('; ')}`,
    ...r.telegram.duplicateMessages.slice(0, 10).map((d) => `duplicate: ${d.dedupeKeys.slice(0, 2).join(' | ')}${d.dedupeKeys.length > 2 ? ` (+${d.dedupeKeys.length - 2} with the same text)` : ''} — ${d.sends} sends for ${d.rows} row(s), at ${d.sentAt.map((t) => t.toFixed(1)).join(', ')} s`),
    ...r.jobs.notTerminal.slice(0, 10).map((j) => `stuck: job ${j.id} ${j.kind} ${j.status} locked by ${j.lockedBy ?? '-'} until ${j.lockedUntil ?? '-'}, attempts ${j.attempts}, last error ${j.lastError ?? '-'}`),
    `time: ${r.seconds.toFixed(1)} s (drain after the last chaos event ${r.drainSeconds.toFixed(1)} s)`,
    r.failures.length ? `FAILED: ${r.failures.join('; ')}` : 'all invariants held',
  ].join('\n');
}
