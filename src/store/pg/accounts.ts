/**
 * PostgreSQL SQL for licenses, users and the audit log. Date arithmetic happens in SQL so
 * two transactions extending one user never lose an update; the conditional UPDATE of a
 * key is what makes a redeem happen exactly once under any concurrency.
 */
import type pg from 'pg';
import { licenseNotFound, licenseRevoked, redeemRefusal, usernameTaken } from '../license-errors.js';
import { SETTINGS_COLUMNS, toAudit, toLicense, toUser } from '../rows.js';
import { audit, type AuditRow } from '../rules.js';
import type { Actor, AuditRecord, LicenseRecord, LicenseStatus, NewLicense, RedeemInput, UserRecord, UserSettingsPatch } from '../types.js';
import { isUniqueViolation, q, rethrow, withTransaction, type Prepared, type Queryable } from './db.js';

const USER_COLUMNS =
  'id, username, password_hash, plan, license_expires_at, voice_id, tts_enabled, gift_sounds_enabled, tts_volume, gifts_volume, tiktok_username, telegram_id, credits, token_version, created_at';

/** Appends an audit row (what it records is decided in rules.ts). */
export async function insertAudit(db: Queryable, a: AuditRow): Promise<void> {
  await q(db, 'INSERT INTO audit_log (actor, action, subject, detail) VALUES ($1, $2, $3, $4)', [a.actor, a.action, a.subject, a.detail]);
}

const INSERT_LICENSE: Prepared = {
  name: 'ttops_insert_license',
  text: 'INSERT INTO license_keys (key_hash, key_suffix, plan, ttl_days, note, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
};

/** Inserts one key (its audit row is the caller's: issuing and selling record it differently). */
export async function insertLicense(db: Queryable, l: NewLicense): Promise<LicenseRecord> {
  return toLicense((await q(db, INSERT_LICENSE, [l.keyHash, l.keySuffix, l.plan, l.ttlDays, l.note ?? null, l.expiresAt]))[0]);
}

/** Inserts keys and their audit rows in one transaction. */
export function issueLicenses(pool: pg.Pool, licenses: NewLicense[], by: Actor): Promise<LicenseRecord[]> {
  return withTransaction(pool, async (tx) => {
    const issued: LicenseRecord[] = [];
    for (const l of licenses) {
      const license = await insertLicense(tx, l);
      await insertAudit(tx, audit.licenseIssued(by, license));
      issued.push(license);
    }
    return issued;
  });
}

export async function findLicenseByHash(db: Queryable, keyHash: string): Promise<LicenseRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM license_keys WHERE key_hash = $1', [keyHash]);
  return row && toLicense(row);
}

export async function findLicenseById(db: Queryable, id: number): Promise<LicenseRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM license_keys WHERE id = $1', [id]);
  return row && toLicense(row);
}

export async function listLicenses(db: Queryable, filter: { status?: LicenseStatus; limit?: number }): Promise<LicenseRecord[]> {
  const rows = filter.status
    ? await q(db, 'SELECT * FROM license_keys WHERE status = $1 ORDER BY id DESC LIMIT $2', [filter.status, filter.limit ?? null])
    : await q(db, 'SELECT * FROM license_keys ORDER BY id DESC LIMIT $1', [filter.limit ?? null]);
  return rows.map(toLicense);
}

/** Revokes a key; a redeemed key's days come off its user, whose tokens stop working. */
export function revokeLicense(pool: pg.Pool, id: number, now: string, by: Actor): Promise<LicenseRecord> {
  return withTransaction(pool, async (tx) => {
    const [row] = await q(tx, "UPDATE license_keys SET status = 'revoked', revoked_at = $1 WHERE id = $2 AND status <> 'revoked' RETURNING *", [now, id]);
    if (!row) throw (await findLicenseById(tx, id)) ? licenseRevoked() : licenseNotFound();
    const license = toLicense(row);
    if (license.redeemedBy !== null) {
      await q(
        tx,
        `UPDATE users SET license_expires_at = greatest($1::timestamptz, coalesce(license_expires_at, $1::timestamptz) - make_interval(days => $2)),
                          token_version = token_version + 1, updated_at = $1 WHERE id = $3`,
        [now, license.ttlDays, license.redeemedBy],
      );
    }
    await insertAudit(tx, audit.licenseRevoked(by, license));
    return license;
  });
}

/** Adds days to what a key gives: its redeem-by date, and its user's license if redeemed. */
export function extendLicense(pool: pg.Pool, id: number, days: number, by: Actor): Promise<LicenseRecord> {
  return withTransaction(pool, async (tx) => {
    const [row] = await q(tx, "UPDATE license_keys SET ttl_days = ttl_days + $2, expires_at = expires_at + make_interval(days => $2) WHERE id = $1 AND status <> 'revoked' RETURNING *", [id, days]);
    if (!row) throw (await findLicenseById(tx, id)) ? licenseRevoked() : licenseNotFound();
    const license = toLicense(row);
    if (license.redeemedBy !== null) {
      await q(tx, 'UPDATE users SET license_expires_at = greatest(coalesce(license_expires_at, now()), now()) + make_interval(days => $2) WHERE id = $1', [license.redeemedBy, days]);
    }
    await insertAudit(tx, audit.licenseExtended(by, id, days));
    return license;
  });
}

/** Redeems a key exactly once, creating or extending the account in the same transaction. */
export function redeemLicense(pool: pg.Pool, input: RedeemInput): Promise<{ user: UserRecord; license: LicenseRecord }> {
  const { now, keyHash, account } = input;
  return withTransaction(pool, async (tx) => {
    const [row] = await q(tx, "UPDATE license_keys SET status = 'redeemed', redeemed_at = $1 WHERE key_hash = $2 AND status = 'active' AND expires_at > $1 RETURNING *", [now, keyHash]);
    if (!row) throw redeemRefusal(await findLicenseByHash(tx, keyHash), now);
    const license = toLicense(row);
    let userRow: Record<string, unknown>;
    if (account.kind === 'new') {
      try {
        [userRow] = (
          await tx.query(
            `INSERT INTO users (username, password_hash, plan, license_expires_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4::timestamptz + make_interval(days => $5), $4, $4) RETURNING *`,
            [account.username, account.passwordHash, license.plan, now, license.ttlDays],
          )
        ).rows;
      } catch (error) {
        if (isUniqueViolation(error)) throw usernameTaken();
        rethrow(error);
      }
    } else {
      [userRow] = await q(
        tx,
        `UPDATE users SET license_expires_at = greatest(coalesce(license_expires_at, $1::timestamptz), $1::timestamptz) + make_interval(days => $2),
                          plan = $3, updated_at = $1 WHERE id = $4 RETURNING *`,
        [now, license.ttlDays, license.plan, account.userId],
      );
    }
    const user = toUser(userRow);
    const [redeemed] = await q(tx, 'UPDATE license_keys SET redeemed_by = $1 WHERE id = $2 RETURNING *', [user.id, license.id]);
    await insertAudit(tx, audit.licenseRedeemed(input, license, user.id, account.kind === 'new'));
    return { user, license: toLicense(redeemed) };
  });
}

export async function findUserById(db: Queryable, id: number): Promise<UserRecord | undefined> {
  // Named: every authenticated request runs this, so PostgreSQL parses and plans it once per
  // connection. Explicit columns, because a cached `SELECT *` breaks when a migration adds one.
  const [row] = await q(db, { name: 'ttops_user_by_id', text: `SELECT ${USER_COLUMNS} FROM users WHERE id = $1` }, [id]);
  return row && toUser(row);
}

/** The users of `ids` (repeats allowed), in the order asked; one statement however many. */
export async function findUsersByIds(db: Queryable, ids: readonly number[]): Promise<(UserRecord | undefined)[]> {
  const rows = await q(db, { name: 'ttops_users_by_ids', text: `SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1::bigint[])` }, [ids]);
  const byId = new Map(rows.map((row) => [Number(row.id), toUser(row)]));
  return ids.map((id) => byId.get(id));
}

export async function findUserByUsername(db: Queryable, username: string): Promise<UserRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM users WHERE lower(username) = lower($1)', [username]);
  return row && toUser(row);
}

/** Applies a settings patch; only the whitelisted columns of SETTINGS_COLUMNS can appear. */
export async function updateUserSettings(db: Queryable, id: number, patch: UserSettingsPatch): Promise<UserRecord | undefined> {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof UserSettingsPatch, unknown][];
  if (entries.length === 0) return findUserById(db, id);
  const sets = entries.map(([k], i) => `${SETTINGS_COLUMNS[k]} = $${i + 2}`).join(', ');
  const [row] = await q(db, `UPDATE users SET ${sets}, updated_at = now() WHERE id = $1 RETURNING *`, [id, ...entries.map(([, v]) => v)]);
  return row && toUser(row);
}

export async function updatePasswordHash(db: Queryable, id: number, passwordHash: string): Promise<void> {
  await q(db, 'UPDATE users SET password_hash = $2 WHERE id = $1', [id, passwordHash]);
}

export async function listAudit(db: Queryable, limit: number): Promise<AuditRecord[]> {
  return (await q(db, 'SELECT * FROM audit_log ORDER BY id DESC LIMIT $1', [limit])).map(toAudit);
}

export async function listAuditFor(db: Queryable, subjects: string[], limit: number): Promise<AuditRecord[]> {
  return (await q(db, 'SELECT * FROM audit_log WHERE subject = ANY($1::text[]) ORDER BY id LIMIT $2', [subjects, limit])).map(toAudit);
}
