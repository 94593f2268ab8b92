/**
 * The store: the one narrow interface everything above the database talks to. Two
 * adapters implement it — SQLite (embedded default) and PostgreSQL — and one contract
 * suite runs against both. Times cross this boundary as ISO-8601 UTC strings.
 */

import type { Bus } from './bus.js';
import type { PaymentStore, ProductStore, StatsStore } from './billing-types.js';
import type { LiveStore } from './live-types.js';
import type { PromoStore, ReferralStore, ShopOrderStore } from './order-types.js';

export type * from './billing-types.js';
export type * from './live-types.js';
export type * from './order-types.js';

export type Engine = 'sqlite' | 'postgres';
export type LicenseStatus = 'active' | 'redeemed' | 'revoked';

/** A user row, as the services see it. */
export interface UserRecord {
  id: number;
  username: string | null;
  passwordHash: string | null;
  plan: string | null;
  licenseExpiresAt: string | null;
  voiceId: string;
  ttsEnabled: boolean;
  giftSoundsEnabled: boolean;
  ttsVolume: number;
  giftsVolume: number;
  tiktokUsername: string | null;
  telegramId: number | null;
  credits: number;
  tokenVersion: number;
  createdAt: string;
}

/** The settings `PATCH /v2/auth/me` may change. */
export interface UserSettingsPatch {
  voiceId?: string;
  ttsEnabled?: boolean;
  giftSoundsEnabled?: boolean;
  ttsVolume?: number;
  giftsVolume?: number;
  tiktokUsername?: string | null;
}

/** A license key row; the key itself is never stored, only its hash and last symbols. */
export interface LicenseRecord {
  id: number;
  keyHash: string;
  keySuffix: string;
  plan: string;
  ttlDays: number;
  status: LicenseStatus;
  note: string | null;
  createdAt: string;
  expiresAt: string;
  redeemedBy: number | null;
  redeemedAt: string | null;
  revokedAt: string | null;
}

export interface NewLicense {
  keyHash: string;
  keySuffix: string;
  plan: string;
  ttlDays: number;
  note?: string;
  expiresAt: string;
}

/** Who did something, for the audit log ("cli:root", "api:admin@127.0.0.1"). */
export interface Actor {
  actor: string;
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  detail: Record<string, unknown> | null;
}

/** A redeem: the key, and either a new account or the existing one whose password matched. */
export interface RedeemInput extends Actor {
  keyHash: string;
  now: string;
  account: { kind: 'new'; username: string; passwordHash: string } | { kind: 'existing'; userId: number };
}

/** One migration and whether it has run. */
export interface MigrationState {
  name: string;
  applied: boolean;
}

export type JobStatus = 'queued' | 'running' | 'waiting_provider' | 'succeeded' | 'failed';

/** A job row. `payload` and `result` are JSON objects. */
export interface JobRecord {
  id: number;
  kind: string;
  status: JobStatus;
  payload: Record<string, unknown>;
  result: Record<string, unknown> | null;
  userId: number | null;
  orderId: string | null;
  priority: number;
  runAt: string;
  attempts: number;
  maxAttempts: number;
  dedupeKey: string | null;
  lockedBy: string | null;
  lockedUntil: string | null;
  providerTaskId: string | null;
  errorCode: string | null;
  lastError: string | null;
  refunded: boolean;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/** A job to enqueue. Smaller `priority` runs first; `dedupeKey` makes enqueueing idempotent. */
export interface NewJob {
  kind: string;
  payload?: Record<string, unknown>;
  userId?: number;
  orderId?: string;
  priority?: number;
  runAt?: string;
  maxAttempts?: number;
  dedupeKey?: string;
}

/** A notification to deliver; unique by `dedupeKey` (e.g. `job:12:finished`). */
export interface OutboxInsert {
  dedupeKey: string;
  kind: string;
  chatId: string;
  message: string;
  jobId?: number;
}

/** An outbox row. */
export interface OutboxRecord extends OutboxInsert {
  id: number;
  status: 'pending' | 'sent' | 'unknown' | 'failed';
  telegramMessageId: number | null;
  attempts: number;
  lastError: string | null;
}

/**
 * What a worker decided about a claimed job, applied in one transaction together with its
 * money and messages: a refund ledger row (unique per job) and outbox rows (each with a
 * `notify.telegram` job to deliver it).
 */
export interface JobTransition {
  status: 'queued' | 'waiting_provider' | 'succeeded' | 'failed';
  /** When to look at the job again (queued / waiting_provider). */
  runAt?: string;
  result?: Record<string, unknown>;
  errorCode?: string | null;
  lastError?: string | null;
  /** This was a failed try: attempts + 1. */
  countAttempt?: boolean;
  /** The provider task now behind this job; null forgets it (resubmit after a transient task failure). */
  providerTaskId?: string | null;
  /** Merged into the stored payload (e.g. the provider key index, the written prompt). */
  payloadPatch?: Record<string, unknown>;
  refund?: { userId: number; amount: number; reason: string };
  outbox?: OutboxInsert[];
}

/** An order: jobs created together with their debit, all or nothing. */
export interface OrderInput {
  userId: number;
  orderId: string;
  jobs: NewJob[];
  costPerJob: number;
  outbox?: OutboxInsert[];
}

/** One ledger row. */
export interface LedgerEntry {
  id: number;
  delta: number;
  kind: string;
  reason: string | null;
  jobId: number | null;
  at: string;
}

/** A worker process's heartbeat row. */
export interface WorkerRecord {
  id: string;
  hostname: string;
  pid: number;
  instance: string | null;
  concurrency: number;
  running: number;
  startedAt: string;
  heartbeatAt: string;
  stopping: boolean;
}

/** What every part of the store shares: the engine, its schema, its bus. */
export interface StoreCore {
  readonly engine: Engine;
  /** Publish/subscribe between every process on this database. */
  readonly bus: Bus;
  /** A round trip to the database; throws UnreachableError when it is down. */
  ping(): Promise<void>;
  close(): Promise<void>;

  migrationStatus(): Promise<MigrationState[]>;
  /** Applies pending migrations (under a lock) and returns their names. */
  migrateUp(): Promise<string[]>;
  /** Reverts the last `count` migrations and returns their names. */
  migrateDown(count: number): Promise<string[]>;
  /** Tables and their columns, for the engine-parity test and `backup` manifests. */
  describeTables(): Promise<Record<string, string[]>>;
  /** Row count of every table (backup manifests, status). */
  countRows(): Promise<Record<string, number>>;
  listAudit(limit: number): Promise<AuditRecord[]>;
  /** Audit rows about these subjects (`payment:12`, `license:3`), oldest first. */
  listAuditFor(subjects: string[], limit: number): Promise<AuditRecord[]>;
}

/** License keys: issue, find, revoke, extend, redeem. */
export interface LicenseStore {
  issueLicenses(licenses: NewLicense[], by: Actor): Promise<LicenseRecord[]>;
  findLicenseByHash(keyHash: string): Promise<LicenseRecord | undefined>;
  findLicenseById(id: number): Promise<LicenseRecord | undefined>;
  listLicenses(filter: { status?: LicenseStatus; limit?: number }): Promise<LicenseRecord[]>;
  /**
   * Revokes a key. When it was redeemed, the days it granted come off its user's license
   * (never below now) and the user's tokens stop working.
   */
  revokeLicense(id: number, now: string, by: Actor): Promise<LicenseRecord>;
  /** Pushes a key's redeem-by date out by `days`. */
  extendLicense(id: number, days: number, by: Actor): Promise<LicenseRecord>;
  /**
   * Redeems a key exactly once: in one transaction the key flips to redeemed and the account
   * is created or extended by the key's days. Throws ConflictError/NotFoundError with the
   * precise reason when the key cannot be redeemed.
   */
  redeemLicense(input: RedeemInput): Promise<{ user: UserRecord; license: LicenseRecord }>;
}

/** Accounts: users by id, name or Telegram id, and their settings. */
export interface AccountStore {
  findUserById(id: number): Promise<UserRecord | undefined>;
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  updateUserSettings(id: number, patch: UserSettingsPatch): Promise<UserRecord>;
  updatePasswordHash(id: number, passwordHash: string): Promise<void>;
  findUserByTelegramId(telegramId: number): Promise<UserRecord | undefined>;
  /** Creates a Telegram-only user (no username/password) if none has this id. */
  ensureTelegramUser(telegramId: number): Promise<UserRecord>;
}

/** The job queue and the workers that drain it. */
export interface QueueStore {
  /** Inserts jobs and wakes idle workers; a job whose dedupeKey exists returns the existing row. */
  enqueueJobs(jobs: NewJob[]): Promise<JobRecord[]>;
  /**
   * Claims up to `limit` due jobs with a lease; a job whose lease ran out is due again.
   * `completed` are this worker's plain successes, recorded in the same round trip.
   */
  claimJobs(workerId: string, limit: number, leaseMs: number, kinds?: string[], completed?: number[]): Promise<JobRecord[]>;
  /** Marks claimed jobs succeeded in one statement (jobs with no side effects). */
  completeJobs(workerId: string, ids: number[]): Promise<number>;
  /** Applies a transition to a job this worker holds; undefined when the lease was lost. */
  transitionJob(workerId: string, id: number, transition: JobTransition): Promise<JobRecord | undefined>;
  /** Puts this worker's running jobs back in the queue (graceful shutdown). */
  releaseJobs(workerId: string): Promise<number>;
  /**
   * Upserts the worker's heartbeat and extends the leases of `jobIds` — the jobs it really
   * runs now, so a job whose result it failed to record is not kept alive by it.
   */
  heartbeat(worker: Omit<WorkerRecord, 'startedAt' | 'heartbeatAt'>, leaseMs: number, jobIds: number[]): Promise<void>;
  removeWorker(id: string): Promise<void>;
  listWorkers(): Promise<WorkerRecord[]>;
  findJob(id: number): Promise<JobRecord | undefined>;
  listJobs(filter: { userId?: number; orderId?: string; limit?: number }): Promise<JobRecord[]>;
  findJobByProviderTask(taskId: string): Promise<JobRecord | undefined>;
  /** Makes a waiting job due now (a provider callback arrived); false when it is not waiting. */
  wakeJob(id: number): Promise<boolean>;
  /** Number of jobs by status. */
  queueCounts(): Promise<Record<JobStatus, number>>;
  /** Deletes finished jobs older than `before`; returns how many. */
  pruneFinishedJobs(before: string): Promise<number>;
  /** Calls `listener` when jobs may be available (NOTIFY on PostgreSQL, in-process on SQLite). */
  onJobsAvailable(listener: () => void): Promise<() => Promise<void>>;
}

/** Credits: the append-only ledger and the orders that spend it. */
export interface LedgerStore {
  /** Appends a grant to the ledger and returns the new balance. */
  grantCredits(userId: number, amount: number, reason: string, by: Actor): Promise<number>;
  ledger(userId: number, limit: number): Promise<LedgerEntry[]>;
  /** Debits `costPerJob × jobs` and creates the jobs in one transaction; 402 insufficient_credits creates nothing. */
  createOrder(order: OrderInput): Promise<{ jobs: JobRecord[]; credits: number }>;
}

/** Notifications waiting for (or past) delivery. */
export interface OutboxStore {
  findOutbox(id: number): Promise<OutboxRecord | undefined>;
  markOutbox(id: number, update: { status: OutboxRecord['status']; telegramMessageId?: number; lastError?: string }): Promise<void>;
  /** Messages that belong to no job transition (e.g. the bot's payment alerts), each with its delivery job; a known dedupe key is skipped. Answers how many were new. */
  enqueueOutbox(items: OutboxInsert[]): Promise<number>;
}

/** A Telegram user a reminder may go to, with the language the bot stored for them (`lang:<telegram id>`), if any. */
export interface ReminderRecipient {
  userId: number;
  telegramId: number;
  lang: string | null;
}

/** A Telegram user whose license ends soon. */
export interface LicenseReminderCandidate extends ReminderRecipient {
  licenseExpiresAt: string;
}

/** A Telegram user whose balance fell below the threshold, and the ledger row that took it there. */
export interface LowBalanceCandidate extends ReminderRecipient {
  credits: number;
  ledgerId: number;
  crossedAt: string;
}

/** What reminders and admin alerts read: candidates by condition and overdue jobs (they write through `enqueueOutbox`). */
export interface ReminderStore {
  /** Telegram users whose license ends after `from` and no later than `until`. */
  licensesEndingBetween(from: string, until: string): Promise<LicenseReminderCandidate[]>;
  /**
   * Telegram users now below `threshold` whose latest fall from ≥ threshold to below it (a
   * ledger row) happened at or after `since`; users who never had that much are not listed.
   */
  lowBalanceCrossings(threshold: number, since: string): Promise<LowBalanceCandidate[]>;
  /** Unfinished jobs that were due before `before` and still wait for a worker. */
  overdueJobs(before: string): Promise<{ count: number; oldestRunAt: string | null }>;
}

/** A streamer's uploaded sound; the file lives at `static/sounds/<userId>/<filename>`. */
export interface SoundRecord {
  id: number;
  userId: number;
  filename: string;
  originalName: string | null;
  format: 'mp3' | 'ogg' | 'wav';
  size: number;
  durationMs: number;
  sha256: string;
  createdAt: string;
}

export type NewSound = Omit<SoundRecord, 'id' | 'createdAt'>;

/** Sounds: the rows behind the files; the quota is checked in the insert's transaction. */
export interface SoundStore {
  /** Inserts a sound unless the user already has `maxPerUser`; throws ConflictError `sound_quota_exceeded` then. */
  addSound(sound: NewSound, maxPerUser: number): Promise<SoundRecord>;
  listSounds(userId: number): Promise<SoundRecord[]>;
  findSound(userId: number, filename: string): Promise<SoundRecord | undefined>;
  /** Deletes the row and returns it; undefined when the user has no such sound. */
  deleteSound(userId: number, filename: string): Promise<SoundRecord | undefined>;
}

/** A trigger as stored; `actionParams` is the JSON object the API takes. */
export interface TriggerRecord {
  id: number;
  userId: number;
  eventType: string;
  conditionKey: string;
  conditionValue: string;
  action: 'play_sound' | 'tts' | 'both';
  actionParams: Record<string, unknown>;
  enabled: boolean;
  cooldownSeconds: number;
  createdAt: string;
  updatedAt: string;
}

export type TriggerInput = Pick<TriggerRecord, 'eventType' | 'conditionKey' | 'conditionValue' | 'action' | 'actionParams' | 'enabled' | 'cooldownSeconds'>;

/** Triggers: a streamer's rules, read whole by the live engine. */
export interface TriggerStore {
  /** Inserts a trigger unless the user already has `maxPerUser`; throws ConflictError `trigger_quota_exceeded` then. */
  addTrigger(userId: number, input: TriggerInput, maxPerUser: number): Promise<TriggerRecord>;
  /** Replaces a trigger of this user; undefined when there is none with this id. */
  updateTrigger(userId: number, id: number, input: TriggerInput): Promise<TriggerRecord | undefined>;
  listTriggers(userId: number): Promise<TriggerRecord[]>;
  /** Deletes a trigger of this user; false when there is none with this id. */
  deleteTrigger(userId: number, id: number): Promise<boolean>;
}

/** The Telegram bot's own state: conversation state by key, and the updates already handled. */
export interface BotStore {
  /** The value stored under `key` (conversation state, a chosen language); undefined when none. */
  readBotSession(key: string): Promise<string | undefined>;
  writeBotSession(key: string, value: string): Promise<void>;
  deleteBotSession(key: string): Promise<void>;
  /**
   * What the bot needs before it handles an update, in one statement on PostgreSQL (each
   * statement is a loopback round trip, and they were most of the bot's CPU): the update's
   * claim, its `bot_sessions` values and its sender's account.
   */
  openBotUpdate(request: BotUpdateRequest): Promise<OpenedBotUpdate>;
}

/** What `openBotUpdate` is asked for. */
export interface BotUpdateRequest {
  updateId: number;
  /**
   * Record that this update is being handled, so a copy Telegram delivers again is told
   * apart (handlers with side effects run once). Claims older than `keepMs` are dropped on the way.
   */
  claim: boolean;
  keepMs: number;
  /** The `bot_sessions` keys to read (conversation state, chosen language). */
  sessionKeys: readonly string[];
  /** The sender, whose account is read as it is now. */
  telegramId?: number;
}

/** What `openBotUpdate` found. */
export interface OpenedBotUpdate {
  /** False when the update was claimed before (a redelivery); true when it was not asked to claim. */
  fresh: boolean;
  /** The values of the keys asked for; absent keys are left out. */
  sessions: Map<string, string>;
  /** Undefined when the sender has no account yet (or none was asked for). */
  account?: UserRecord;
}

/**
 * The whole store, as daemons open it. Services take only the parts they use
 * (`AccountStore`, `QueueStore`, …), so a part can be read and tested on its own.
 */
export interface Store extends StoreCore, LicenseStore, AccountStore, QueueStore, LedgerStore, OutboxStore, SoundStore, TriggerStore, LiveStore, ProductStore, PaymentStore, StatsStore, BotStore, ReminderStore, ShopOrderStore, PromoStore, ReferralStore {}
