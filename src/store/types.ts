/**
 * The store: the one narrow interface everything above the database talks to. Two
 * adapters implement it — SQLite (embedded default) and PostgreSQL — and one contract
 * suite runs against both. Times cross this boundary as ISO-8601 UTC strings.
 */

import type { Bus } from './bus.js';

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

/** One of a streamer's best gifters in a live session. */
export interface TopGifter {
  unique_id: string;
  nickname: string;
  diamonds: number;
}

/** The counters of a live session, written whole by the one process recording it. */
export interface LiveSessionTotals {
  peakViewers: number;
  gifts: number;
  diamonds: number;
  likes: number;
  follows: number;
  shares: number;
  joins: number;
  /** The top 10 by diamonds, best first. */
  topGifters: TopGifter[];
}

/** A recorded live session (a stream followed by `serve`, or a `ttops live replay`). */
export interface LiveSessionRecord extends LiveSessionTotals {
  id: number;
  userId: number;
  /** The @handle followed. */
  uniqueId: string;
  source: string;
  startedAt: string;
  endedAt: string | null;
}

/** A raw live event kept for LIVE_EVENT_RETENTION_DAYS; `payload` is the normalised event as JSON. */
export interface LiveEventInput {
  msgId: string;
  eventType: string;
  at: string;
  payload: string;
}

/** The lease row of a streamer, read with the database's clock (hosts' clocks may disagree). */
export interface LiveLeaseView {
  /** The database's time now, epoch ms. */
  now: number;
  lease: { holder: string; until: number } | null;
}

/**
 * Live sessions: their stats and raw events, and the lease that lets exactly one `serve`
 * (of every process on the database) follow a streamer upstream.
 */
export interface LiveStore {
  /** Opens a session; any session of this user and source left open (its recorder died) is ended now. */
  startLiveSession(userId: number, uniqueId: string, source: string): Promise<LiveSessionRecord>;
  /** Writes a session's counters; `end` also stamps `ended_at` (once). */
  updateLiveSession(id: number, totals: LiveSessionTotals, end: boolean): Promise<void>;
  /** Stores raw events; one already stored for this session and msg_id is skipped. Returns how many were new. */
  addLiveEvents(sessionId: number, events: LiveEventInput[]): Promise<number>;
  /** A session's raw events, oldest first. */
  listLiveEvents(sessionId: number, limit: number): Promise<LiveEventInput[]>;
  /** A user's sessions, newest first. */
  listLiveSessions(userId: number, limit: number): Promise<LiveSessionRecord[]>;
  /** One of the user's sessions; undefined for another user's. */
  findLiveSession(userId: number, id: number): Promise<LiveSessionRecord | undefined>;
  /** Deletes raw events older than `before`; returns how many. */
  pruneLiveEvents(before: string): Promise<number>;
  findLiveLease(userId: number): Promise<LiveLeaseView>;
  /** Inserts the lease, renews it for its holder, or takes it over once expired; true when `holder` holds it now for `ttlMs`. */
  takeLiveLease(userId: number, holder: string, ttlMs: number): Promise<boolean>;
  /** Lets go of the lease if `holder` has it; true when it did. */
  releaseLiveLease(userId: number, holder: string): Promise<boolean>;
}

export type ProductKind = 'credits' | 'license';

/** A catalogue entry: a credit pack (`credits`) or a license plan (`plan` + `ttlDays`). */
export interface ProductRecord {
  id: number;
  kind: ProductKind;
  /** Stable slug (`credits-10`) that scripts and invoices name. */
  code: string;
  titleRu: string;
  titleEn: string;
  credits: number | null;
  plan: string | null;
  ttlDays: number | null;
  /** In kopecks: 29000 is 290.00 RUB. */
  priceRub: number;
  /** Whole Telegram Stars (XTR). */
  priceStars: number;
  enabled: boolean;
  sort: number;
  createdAt: string;
  updatedAt: string;
}

export type NewProduct = Omit<ProductRecord, 'id' | 'createdAt' | 'updatedAt'>;

/** The fields an edit may change (kind and code are fixed once created). */
export type ProductPatch = Partial<Pick<ProductRecord, 'titleRu' | 'titleEn' | 'credits' | 'plan' | 'ttlDays' | 'priceRub' | 'priceStars' | 'enabled' | 'sort'>>;

/** The products catalogue; every change is audited in its transaction. */
export interface ProductStore {
  /** Products by `sort`, then id; only enabled ones with `enabledOnly`. */
  listProducts(filter?: { enabledOnly?: boolean }): Promise<ProductRecord[]>;
  findProduct(id: number): Promise<ProductRecord | undefined>;
  findProductByCode(code: string): Promise<ProductRecord | undefined>;
  /** Throws ConflictError `product_code_taken` when the code exists. */
  addProduct(product: NewProduct, by: Actor): Promise<ProductRecord>;
  /** Undefined when there is no such product. */
  updateProduct(id: number, patch: ProductPatch, by: Actor): Promise<ProductRecord | undefined>;
}

export type PaymentStatus = 'pending' | 'paid' | 'rejected' | 'refund_requested' | 'refunded';

/** A payment row: one per provider event, unique on (provider, providerPaymentId). */
export interface PaymentRecord {
  id: number;
  provider: string;
  /** For Telegram Stars: telegram_payment_charge_id. */
  providerPaymentId: string;
  /** For Telegram Stars: provider_payment_charge_id. */
  providerChargeId: string | null;
  userId: number | null;
  productId: number | null;
  /** As the provider stated it ("150" Stars, "290.00" RUB). */
  amount: string;
  currency: string;
  /** Credits this payment granted (0 for a license or a rejected payment). */
  credits: number;
  status: PaymentStatus;
  payload: string | null;
  licenseId: number | null;
  keySentAt: string | null;
  rejectReason: string | null;
  createdAt: string;
  paidAt: string | null;
  fulfilledAt: string | null;
  refundRequestedAt: string | null;
  refundError: string | null;
  refundedAt: string | null;
}

/**
 * A confirmed payment to record and fulfil in one transaction: exactly one of `credits`,
 * `license` (a key the caller generated; only its hash arrives here) or `rejectReason`.
 */
export interface PaymentInput extends Actor {
  provider: string;
  providerPaymentId: string;
  providerChargeId?: string;
  telegramId: number;
  productId: number | null;
  amount: string;
  currency: string;
  payload: string;
  credits?: number;
  license?: NewLicense;
  rejectReason?: string;
}

/** What recording a payment did: `created` is false on a replay (nothing granted again). */
export interface PaymentOutcome {
  payment: PaymentRecord;
  created: boolean;
  /** The buyer's balance after this call. */
  balance: number;
}

/** What completing a refund did: `refunded` is false when it was refunded before. */
export interface RefundOutcome {
  payment: PaymentRecord;
  refunded: boolean;
  /** Credits taken back by this call (0 on a repeat, for a license, or a rejected payment). */
  debited: number;
  balance: number | null;
}

/** Payments: recorded and fulfilled once, refunded once. */
export interface PaymentStore {
  /** Inserts the payment unless (provider, id) exists, and in the same transaction grants what it bought. */
  recordPayment(input: PaymentInput): Promise<PaymentOutcome>;
  findPayment(provider: string, providerPaymentId: string): Promise<PaymentRecord | undefined>;
  /** Payments by status (newest first), e.g. refunds still waiting on the provider. */
  listPayments(filter: { status?: PaymentStatus; limit?: number }): Promise<PaymentRecord[]>;
  /** Records that the caller delivered the license key of this payment. */
  markKeySent(paymentId: number): Promise<void>;
  /** paid/rejected → refund_requested (repeatable); throws NotFound, or Conflict when refunded. */
  requestRefund(provider: string, providerPaymentId: string, by: Actor): Promise<PaymentRecord>;
  /** Keeps the refund requested and records why the provider call failed. */
  failRefund(provider: string, providerPaymentId: string, error: string): Promise<void>;
  /** Marks the payment refunded and writes the compensating ledger row, once. */
  completeRefund(provider: string, providerPaymentId: string, by: Actor): Promise<RefundOutcome>;
}

/**
 * The whole store, as daemons open it. Services take only the parts they use
 * (`AccountStore`, `QueueStore`, …), so a part can be read and tested on its own.
 */
export interface Store extends StoreCore, LicenseStore, AccountStore, QueueStore, LedgerStore, OutboxStore, SoundStore, TriggerStore, LiveStore, ProductStore, PaymentStore {}
