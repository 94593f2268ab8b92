/**
 * SQLite SQL for promo codes (added and switched on/off with an audit row each) and
 * referrals (a user's own code, who invited whom, and the counts). Uses of a promo are taken
 * and given back by the order statements in checkout.ts and fulfil.ts.
 */
import { NotFoundError } from '../../errors.js';
import { FULFILLED_PAYMENT_STATUSES, sqlList, toPromo } from '../checkout-rows.js';
import { newRefCode, normalizePromoCode, normalizeRefCode, promoCodeTaken } from '../checkout-rules.js';
import { isRowId } from '../rows.js';
import { audit } from '../rules.js';
import type { Actor, NewPromo, PromoRecord } from '../types.js';
import { insertAudit } from './accounts.js';
import { isUniqueViolation, type SqliteDb } from './db.js';

type Row = Record<string, unknown>;
const FULFILLED = sqlList(FULFILLED_PAYMENT_STATUSES);

export function findPromoById(db: SqliteDb, id: number): PromoRecord | undefined {
  if (!isRowId(id)) return undefined;
  const row = db.prepare('SELECT * FROM promo_codes WHERE id = ?').get(id) as Row | undefined;
  return row && toPromo(row);
}

export function findPromoByCode(db: SqliteDb, code: string): PromoRecord | undefined {
  const row = db.prepare('SELECT * FROM promo_codes WHERE code = ?').get(normalizePromoCode(code)) as Row | undefined;
  return row && toPromo(row);
}

export function listPromos(db: SqliteDb): PromoRecord[] {
  return (db.prepare('SELECT * FROM promo_codes ORDER BY id DESC').all() as Row[]).map(toPromo);
}

/** Inserts a promo code (upper-cased) and its audit row. */
export function addPromo(db: SqliteDb, p: NewPromo, by: Actor): PromoRecord {
  const code = normalizePromoCode(p.code);
  return db
    .transaction(() => {
      let row: Row;
      try {
        row = db
          .prepare('INSERT INTO promo_codes (code, kind, value, max_uses, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING *')
          .get(code, p.kind, p.value, p.maxUses, p.expiresAt === null ? null : new Date(p.expiresAt).toISOString()) as Row;
      } catch (error) {
        throw isUniqueViolation(error) ? promoCodeTaken(code) : error;
      }
      const promo = toPromo(row);
      insertAudit(db, audit.promoAdded(by, promo));
      return promo;
    })
    .immediate();
}

/** Switches a code on or off, audited (also when it already was). */
export function setPromoEnabled(db: SqliteDb, code: string, enabled: boolean, by: Actor): PromoRecord | undefined {
  return db
    .transaction(() => {
      const row = db.prepare('UPDATE promo_codes SET enabled = ? WHERE code = ? RETURNING *').get(Number(enabled), normalizePromoCode(code)) as Row | undefined;
      if (!row) return undefined;
      const promo = toPromo(row);
      insertAudit(db, audit.promoEnabled(by, promo));
      return promo;
    })
    .immediate();
}

/** The user's code, made on first ask; a clash with another user's code (1 in 2^40) draws again. */
export function referralCodeOf(db: SqliteDb, userId: number): string {
  for (;;) {
    const user = isRowId(userId) ? (db.prepare('SELECT ref_code FROM users WHERE id = ?').get(userId) as Row | undefined) : undefined;
    if (!user) throw new NotFoundError('user_not_found', `no user with id ${userId}`);
    if (user.ref_code !== null) return String(user.ref_code);
    try {
      const set = db.prepare('UPDATE users SET ref_code = ? WHERE id = ? AND ref_code IS NULL RETURNING ref_code').get(newRefCode(), userId) as Row | undefined;
      if (set) return String(set.ref_code);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
}

/** Records who invited `inviteeId`: false for an unknown or own code, an invitee with an inviter, or one who has paid. */
export function attachReferral(db: SqliteDb, inviteeId: number, code: string): boolean {
  if (!isRowId(inviteeId)) return false;
  return db
    .transaction(() => {
      if (!db.prepare('SELECT id FROM users WHERE id = ?').get(inviteeId)) return false;
      const inviter = db.prepare('SELECT id FROM users WHERE ref_code = ? AND id <> ?').get(normalizeRefCode(code), inviteeId) as Row | undefined;
      if (!inviter) return false;
      if (db.prepare(`SELECT 1 FROM payments WHERE user_id = ? AND status IN ${FULFILLED} LIMIT 1`).get(inviteeId)) return false;
      return db.prepare('INSERT INTO referrals (invitee_user_id, inviter_user_id) VALUES (?, ?) ON CONFLICT (invitee_user_id) DO NOTHING').run(inviteeId, inviter.id).changes === 1;
    })
    .immediate();
}

export function referralStats(db: SqliteDb, userId: number): { invited: number; rewarded: number } {
  const row = db.prepare('SELECT count(*) AS invited, count(bonus_granted_at) AS rewarded FROM referrals WHERE inviter_user_id = ?').get(userId) as Row;
  return { invited: Number(row.invited), rewarded: Number(row.rewarded) };
}
