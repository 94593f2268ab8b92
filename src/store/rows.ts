/**
 * Row → record mapping shared by both adapters. Drivers already hand us numbers for ids
 * and ISO strings for times (see each adapter's type parsers); this only renames columns
 * and turns SQLite's 0/1 into booleans.
 */
import { ConflictError } from '../errors.js';
import type { AuditRecord, JobRecord, JobTransition, LedgerEntry, LicenseRecord, OutboxRecord, UserRecord, WorkerRecord } from './types.js';

type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * Whether a number can name a row on both engines: ids are BIGINT/INTEGER (64-bit) columns,
 * and JS numbers are exact only up to 2^53, so anything else is simply not a stored id.
 */
export function isRowId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= 1;
}

/** A `users` row as a UserRecord. */
export function toUser(row: Row): UserRecord {
  return {
    id: num(row.id),
    username: str(row.username),
    passwordHash: str(row.password_hash),
    plan: str(row.plan),
    licenseExpiresAt: str(row.license_expires_at),
    voiceId: String(row.voice_id),
    ttsEnabled: Boolean(row.tts_enabled),
    giftSoundsEnabled: Boolean(row.gift_sounds_enabled),
    ttsVolume: num(row.tts_volume),
    giftsVolume: num(row.gifts_volume),
    tiktokUsername: str(row.tiktok_username),
    telegramId: numOrNull(row.telegram_id),
    credits: num(row.credits),
    tokenVersion: num(row.token_version),
    createdAt: String(row.created_at),
  };
}

/** A `license_keys` row as a LicenseRecord. */
export function toLicense(row: Row): LicenseRecord {
  return {
    id: num(row.id),
    keyHash: String(row.key_hash),
    keySuffix: String(row.key_suffix),
    plan: String(row.plan),
    ttlDays: num(row.ttl_days),
    status: row.status as LicenseRecord['status'],
    note: str(row.note),
    createdAt: String(row.created_at),
    expiresAt: String(row.expires_at),
    redeemedBy: numOrNull(row.redeemed_by),
    redeemedAt: str(row.redeemed_at),
    revokedAt: str(row.revoked_at),
  };
}

/** An `audit_log` row as an AuditRecord. */
export function toAudit(row: Row): AuditRecord {
  return {
    id: num(row.id),
    at: String(row.at),
    actor: String(row.actor),
    action: String(row.action),
    subject: str(row.subject),
    detail: row.detail ? (JSON.parse(String(row.detail)) as Record<string, unknown>) : null,
  };
}

/** Column names of UserSettingsPatch fields (the only user columns PATCH may touch). */
export const SETTINGS_COLUMNS = {
  voiceId: 'voice_id',
  ttsEnabled: 'tts_enabled',
  giftSoundsEnabled: 'gift_sounds_enabled',
  ttsVolume: 'tts_volume',
  giftsVolume: 'gifts_volume',
  tiktokUsername: 'tiktok_username',
} as const;

const json = (v: unknown): Record<string, unknown> | null => (v === null || v === undefined ? null : (JSON.parse(String(v)) as Record<string, unknown>));

/** A `jobs` row as a JobRecord. */
export function toJob(row: Row): JobRecord {
  return {
    id: num(row.id),
    kind: String(row.kind),
    status: row.status as JobRecord['status'],
    payload: json(row.payload) ?? {},
    result: json(row.result),
    userId: numOrNull(row.user_id),
    orderId: str(row.order_id),
    priority: num(row.priority),
    runAt: String(row.run_at),
    attempts: num(row.attempts),
    maxAttempts: num(row.max_attempts),
    dedupeKey: str(row.dedupe_key),
    lockedBy: str(row.locked_by),
    lockedUntil: str(row.locked_until),
    providerTaskId: str(row.provider_task_id),
    errorCode: str(row.error_code),
    lastError: str(row.last_error),
    refunded: Boolean(row.refunded),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    finishedAt: str(row.finished_at),
  };
}

/** An `outbox` row as an OutboxRecord. */
export function toOutbox(row: Row): OutboxRecord {
  return {
    id: num(row.id),
    dedupeKey: String(row.dedupe_key),
    jobId: numOrNull(row.job_id) ?? undefined,
    kind: String(row.kind),
    chatId: String(row.chat_id),
    message: String(row.message),
    status: row.status as OutboxRecord['status'],
    telegramMessageId: numOrNull(row.telegram_message_id),
    attempts: num(row.attempts),
    lastError: str(row.last_error),
  };
}

/** A `workers` row as a WorkerRecord. */
export function toWorker(row: Row): WorkerRecord {
  return {
    id: String(row.id),
    hostname: String(row.hostname),
    pid: num(row.pid),
    instance: str(row.instance),
    concurrency: num(row.concurrency),
    running: num(row.running),
    startedAt: String(row.started_at),
    heartbeatAt: String(row.heartbeat_at),
    stopping: Boolean(row.stopping),
  };
}

/** A `credit_ledger` row as a LedgerEntry. */
export function toLedger(row: Row): LedgerEntry {
  return { id: num(row.id), delta: num(row.delta), kind: String(row.kind), reason: str(row.reason), jobId: numOrNull(row.job_id), at: String(row.created_at) };
}

/** Statuses a job can still move out of: the claim path only looks at these. */
export const ACTIVE_STATUSES = ['queued', 'running', 'waiting_provider'] as const;

/**
 * The full column values after a transition, computed from the locked current row.
 * Both adapters apply exactly this, so the two engines cannot disagree on semantics.
 */
export function applyTransition(current: JobRecord, t: JobTransition, now: string): Record<string, unknown> {
  const terminal = t.status === 'succeeded' || t.status === 'failed';
  return {
    status: t.status,
    run_at: t.runAt ?? (terminal ? current.runAt : now),
    result: t.result !== undefined ? JSON.stringify(t.result) : current.result === null ? null : JSON.stringify(current.result),
    error_code: t.errorCode !== undefined ? t.errorCode : current.errorCode,
    last_error: t.lastError !== undefined ? t.lastError : current.lastError,
    attempts: current.attempts + (t.countAttempt ? 1 : 0),
    provider_task_id: t.providerTaskId !== undefined ? t.providerTaskId : current.providerTaskId,
    payload: JSON.stringify({ ...current.payload, ...t.payloadPatch }),
    refunded: current.refunded || Boolean(t.refund),
    finished_at: terminal ? now : null,
    updated_at: now,
  };
}

/** The insufficient-credits refusal both adapters throw. */
export function insufficientCredits(balance: number, needed: number): ConflictError {
  return new ConflictError('insufficient_credits', `this order needs ${needed} credit(s) and the balance is ${balance} — top up first`, { status: 402, context: { balance, needed } });
}
