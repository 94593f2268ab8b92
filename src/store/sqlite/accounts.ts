/**
 * SQLite SQL for licenses, users and the audit log. Writes that must happen together run
 * in one immediate transaction: SQLite then has a single writer, so read-compute-write
 * inside it is race-free across processes.
 */
import { addDays, laterOf } from '../../time.js';
import { licenseNotFound, licenseRevoked, redeemRefusal, usernameTaken } from '../license-errors.js';
import { SETTINGS_COLUMNS, toAudit, toLicense, toUser } from '../rows.js';
import { audit, type AuditRow } from '../rules.js';
import type { Actor, AuditRecord, LicenseRecord, LicenseStatus, NewLicense, RedeemInput, UserRecord, UserSettingsPatch } from '../types.js';
import { isUniqueViolation, type SqliteDb } from './db.js';

type Row = Record<string, unknown>;

/** Appends an audit row (what it records is decided in rules.ts). */
export function insertAudit(db: SqliteDb, a: AuditRow): void {
  db.prepare('INSERT INTO audit_log (actor, action, subject, detail) VALUES (?, ?, ?, ?)').run(a.actor, a.action, a.subject, a.detail);
}

function licenseById(db: SqliteDb, id: number): LicenseRecord | undefined {
  const row = db.prepare('SELECT * FROM license_keys WHERE id = ?').get(id) as Row | undefined;
  return row && toLicense(row);
}

/** Inserts keys and their audit rows in one transaction. */
export function issueLicenses(db: SqliteDb, licenses: NewLicense[], by: Actor): LicenseRecord[] {
  const insert = db.prepare('INSERT INTO license_keys (key_hash, key_suffix, plan, ttl_days, note, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *');
  return db.transaction(() =>
    licenses.map((l) => {
      const license = toLicense(insert.get(l.keyHash, l.keySuffix, l.plan, l.ttlDays, l.note ?? null, l.expiresAt) as Row);
      insertAudit(db, audit.licenseIssued(by, license));
      return license;
    }),
  ).immediate();
}

export function findLicenseByHash(db: SqliteDb, keyHash: string): LicenseRecord | undefined {
  const row = db.prepare('SELECT * FROM license_keys WHERE key_hash = ?').get(keyHash) as Row | undefined;
  return row && toLicense(row);
}

export { licenseById as findLicenseById };

export function listLicenses(db: SqliteDb, filter: { status?: LicenseStatus; limit?: number }): LicenseRecord[] {
  const rows = filter.status
    ? db.prepare('SELECT * FROM license_keys WHERE status = ? ORDER BY id DESC LIMIT ?').all(filter.status, filter.limit ?? -1)
    : db.prepare('SELECT * FROM license_keys ORDER BY id DESC LIMIT ?').all(filter.limit ?? -1);
  return (rows as Row[]).map(toLicense);
}

/** Revokes a key; a redeemed key's days come off its user, whose tokens stop working. */
export function revokeLicense(db: SqliteDb, id: number, now: string, by: Actor): LicenseRecord {
  return db.transaction(() => {
    const row = db.prepare("UPDATE license_keys SET status = 'revoked', revoked_at = ? WHERE id = ? AND status <> 'revoked' RETURNING *").get(now, id) as Row | undefined;
    if (!row) throw licenseById(db, id) ? licenseRevoked() : licenseNotFound();
    const license = toLicense(row);
    if (license.redeemedBy !== null) {
      const user = db.prepare('SELECT license_expires_at FROM users WHERE id = ?').get(license.redeemedBy) as Row;
      const shortened = laterOf(addDays(String(user.license_expires_at ?? now), -license.ttlDays), now);
      db.prepare('UPDATE users SET license_expires_at = ?, token_version = token_version + 1, updated_at = ? WHERE id = ?').run(shortened, now, license.redeemedBy);
    }
    insertAudit(db, audit.licenseRevoked(by, license));
    return license;
  }).immediate();
}

/** Adds days to what a key gives: its redeem-by date, and its user's license if redeemed. */
export function extendLicense(db: SqliteDb, id: number, days: number, by: Actor): LicenseRecord {
  return db.transaction(() => {
    const current = licenseById(db, id);
    if (!current) throw licenseNotFound();
    if (current.status === 'revoked') throw licenseRevoked();
    db.prepare('UPDATE license_keys SET ttl_days = ttl_days + ?, expires_at = ? WHERE id = ?').run(days, addDays(current.expiresAt, days), id);
    if (current.redeemedBy !== null) {
      const user = db.prepare('SELECT license_expires_at FROM users WHERE id = ?').get(current.redeemedBy) as Row;
      const base = laterOf(user.license_expires_at as string | null, new Date().toISOString());
      db.prepare('UPDATE users SET license_expires_at = ? WHERE id = ?').run(addDays(base, days), current.redeemedBy);
    }
    insertAudit(db, audit.licenseExtended(by, id, days));
    return licenseById(db, id)!;
  }).immediate();
}

/** Redeems a key exactly once, creating or extending the account in the same transaction. */
export function redeemLicense(db: SqliteDb, input: RedeemInput): { user: UserRecord; license: LicenseRecord } {
  const { now, keyHash, account } = input;
  return db.transaction(() => {
    const row = db.prepare("UPDATE license_keys SET status = 'redeemed', redeemed_at = ? WHERE key_hash = ? AND status = 'active' AND expires_at > ? RETURNING *").get(now, keyHash, now) as Row | undefined;
    if (!row) throw redeemRefusal(findLicenseByHash(db, keyHash), now);
    const license = toLicense(row);
    let userId: number;
    if (account.kind === 'new') {
      try {
        const created = db
          .prepare('INSERT INTO users (username, password_hash, plan, license_expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id')
          .get(account.username, account.passwordHash, license.plan, addDays(now, license.ttlDays), now, now) as Row;
        userId = Number(created.id);
      } catch (error) {
        throw isUniqueViolation(error) ? usernameTaken() : error;
      }
    } else {
      userId = account.userId;
      const user = db.prepare('SELECT license_expires_at FROM users WHERE id = ?').get(userId) as Row;
      const expiry = addDays(laterOf(user.license_expires_at as string | null, now), license.ttlDays);
      db.prepare('UPDATE users SET license_expires_at = ?, plan = ?, updated_at = ? WHERE id = ?').run(expiry, license.plan, now, userId);
    }
    db.prepare('UPDATE license_keys SET redeemed_by = ? WHERE id = ?').run(userId, license.id);
    insertAudit(db, audit.licenseRedeemed(input, license, userId, account.kind === 'new'));
    return { user: findUserById(db, userId)!, license: licenseById(db, license.id)! };
  }).immediate();
}

export function findUserById(db: SqliteDb, id: number): UserRecord | undefined {
  const row = db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
  return row && toUser(row);
}

export function findUserByUsername(db: SqliteDb, username: string): UserRecord | undefined {
  const row = db.prepare('SELECT * FROM users WHERE lower(username) = lower(?)').get(username) as Row | undefined;
  return row && toUser(row);
}

/** Applies a settings patch; only the whitelisted columns of SETTINGS_COLUMNS can appear. */
export function updateUserSettings(db: SqliteDb, id: number, patch: UserSettingsPatch): UserRecord | undefined {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof UserSettingsPatch, unknown][];
  if (entries.length > 0) {
    const sets = entries.map(([k]) => `${SETTINGS_COLUMNS[k]} = ?`).join(', ');
    const values = entries.map(([, v]) => (typeof v === 'boolean' ? Number(v) : v));
    db.prepare(`UPDATE users SET ${sets}, updated_at = ? WHERE id = ?`).run(...values, new Date().toISOString(), id);
  }
  return findUserById(db, id);
}

export function updatePasswordHash(db: SqliteDb, id: number, passwordHash: string): void {
  db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, id);
}

export function listAudit(db: SqliteDb, limit: number): AuditRecord[] {
  return (db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as Row[]).map(toAudit);
}

export function listAuditFor(db: SqliteDb, subjects: string[], limit: number): AuditRecord[] {
  return (db.prepare('SELECT * FROM audit_log WHERE subject IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?').all(JSON.stringify(subjects), limit) as Row[]).map(toAudit);
}
