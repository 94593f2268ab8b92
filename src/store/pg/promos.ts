/**
 * PostgreSQL SQL for promo codes (added and switched on/off with an audit row each) and
 * referrals (a user's own code, who invited whom, and the counts). Uses of a promo are taken
 * and given back by the order statements in checkout.ts and fulfil.ts.
 */
import type pg from 'pg';
import { NotFoundError } from '../../errors.js';
import { FULFILLED_PAYMENT_STATUSES, sqlList, toPromo } from '../checkout-rows.js';
import { newRefCode, normalizePromoCode, normalizeRefCode, promoCodeTaken } from '../checkout-rules.js';
import { isRowId } from '../rows.js';
import { audit } from '../rules.js';
import type { Actor, NewPromo, PromoRecord } from '../types.js';
import { insertAudit } from './accounts.js';
import { isUniqueViolation, q, rethrow, withTransaction, type Queryable } from './db.js';

const FULFILLED = sqlList(FULFILLED_PAYMENT_STATUSES);

export async function findPromoById(db: Queryable, id: number): Promise<PromoRecord | undefined> {
  if (!isRowId(id)) return undefined;
  const [row] = await q(db, 'SELECT * FROM promo_codes WHERE id = $1', [id]);
  return row && toPromo(row);
}

export async function findPromoByCode(db: Queryable, code: string): Promise<PromoRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM promo_codes WHERE code = $1', [normalizePromoCode(code)]);
  return row && toPromo(row);
}

export async function listPromos(db: Queryable): Promise<PromoRecord[]> {
  return (await q(db, 'SELECT * FROM promo_codes ORDER BY id DESC')).map(toPromo);
}

/** Inserts a promo code (upper-cased) and its audit row. */
export function addPromo(pool: pg.Pool, p: NewPromo, by: Actor): Promise<PromoRecord> {
  const code = normalizePromoCode(p.code);
  return withTransaction(pool, async (tx) => {
    let row: Record<string, unknown>;
    try {
      [row] = (await tx.query('INSERT INTO promo_codes (code, kind, value, max_uses, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING *', [code, p.kind, p.value, p.maxUses, p.expiresAt])).rows;
    } catch (error) {
      if (isUniqueViolation(error)) throw promoCodeTaken(code);
      rethrow(error);
    }
    const promo = toPromo(row);
    await insertAudit(tx, audit.promoAdded(by, promo));
    return promo;
  });
}

/** Switches a code on or off, audited (also when it already was). */
export function setPromoEnabled(pool: pg.Pool, code: string, enabled: boolean, by: Actor): Promise<PromoRecord | undefined> {
  return withTransaction(pool, async (tx) => {
    const [row] = await q(tx, 'UPDATE promo_codes SET enabled = $2 WHERE code = $1 RETURNING *', [normalizePromoCode(code), enabled]);
    if (!row) return undefined;
    const promo = toPromo(row);
    await insertAudit(tx, audit.promoEnabled(by, promo));
    return promo;
  });
}

/** The user's code, made on first ask; a clash with another user's code (1 in 2^40) draws again. */
export async function referralCodeOf(db: Queryable, userId: number): Promise<string> {
  for (;;) {
    const [user] = isRowId(userId) ? await q(db, 'SELECT ref_code FROM users WHERE id = $1', [userId]) : [];
    if (!user) throw new NotFoundError('user_not_found', `no user with id ${userId}`);
    if (user.ref_code !== null) return String(user.ref_code);
    try {
      // A concurrent first ask may set it between the read and this update: the guard keeps theirs, the loop reads it.
      const [set] = await q(db, 'UPDATE users SET ref_code = $2 WHERE id = $1 AND ref_code IS NULL RETURNING ref_code', [userId, newRefCode()]);
      if (set) return String(set.ref_code);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
}

/**
 * Records who invited `inviteeId`. The invitee's row is locked first, as fulfilment locks it
 * before it pays a referral, so "has paid before" cannot change under this decision.
 */
export function attachReferral(pool: pg.Pool, inviteeId: number, code: string): Promise<boolean> {
  if (!isRowId(inviteeId)) return Promise.resolve(false);
  return withTransaction(pool, async (tx) => {
    const [invitee] = await q(tx, 'SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE', [inviteeId]);
    if (!invitee) return false;
    const [inviter] = await q(tx, 'SELECT id FROM users WHERE ref_code = $1 AND id <> $2', [normalizeRefCode(code), inviteeId]);
    if (!inviter) return false;
    const [paid] = await q(tx, `SELECT 1 FROM payments WHERE user_id = $1 AND status IN ${FULFILLED} LIMIT 1`, [inviteeId]);
    if (paid) return false;
    const [made] = await q(tx, 'INSERT INTO referrals (invitee_user_id, inviter_user_id) VALUES ($1, $2) ON CONFLICT (invitee_user_id) DO NOTHING RETURNING invitee_user_id', [inviteeId, inviter.id]);
    return made !== undefined;
  });
}

export async function referralStats(db: Queryable, userId: number): Promise<{ invited: number; rewarded: number }> {
  const [row] = await q(db, 'SELECT count(*)::int AS invited, count(bonus_granted_at)::int AS rewarded FROM referrals WHERE inviter_user_id = $1', [userId]);
  return { invited: Number(row.invited), rewarded: Number(row.rewarded) };
}
