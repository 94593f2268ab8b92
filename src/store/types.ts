/**
 * The store: the one narrow interface everything above the database talks to. Two
 * adapters implement it — SQLite (embedded default) and PostgreSQL — and one contract
 * suite runs against both. Times cross this boundary as ISO-8601 UTC strings.
 */

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

/** The store every service and daemon uses. */
export interface Store {
  readonly engine: Engine;
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

  findUserById(id: number): Promise<UserRecord | undefined>;
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  updateUserSettings(id: number, patch: UserSettingsPatch): Promise<UserRecord>;
  updatePasswordHash(id: number, passwordHash: string): Promise<void>;

  listAudit(limit: number): Promise<AuditRecord[]>;
}
