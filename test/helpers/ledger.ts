/**
 * The money invariants, read straight from the tables of either engine: every user's ledger
 * sums to their balance, and every promo code's `uses` is its number of redemptions.
 */
import assert from 'node:assert/strict';
import type { PgStore } from '../../src/store/pg/index.js';
import type { SqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';

/** Rows of a read-only query written in SQL both engines accept. */
export async function sqlRows(store: Store, sql: string): Promise<Record<string, unknown>[]> {
  if (store.engine === 'postgres') return (await (store as unknown as PgStore).pool.query(sql)).rows;
  return (store as unknown as SqliteStore).db.prepare(sql).all() as Record<string, unknown>[];
}

/** For every user: sum(credit_ledger.delta) = users.credits. */
export async function assertLedgerBalanced(store: Store): Promise<void> {
  const rows = await sqlRows(store, 'SELECT u.id, u.credits, (SELECT coalesce(sum(l.delta), 0) FROM credit_ledger l WHERE l.user_id = u.id) AS total FROM users u');
  for (const r of rows) assert.equal(Number(r.total), Number(r.credits), `user ${r.id}: ledger sums to ${r.total}, balance is ${r.credits}`);
}

/** For every promo code: uses = count(promo_redemptions). */
export async function assertPromoUsesCounted(store: Store): Promise<void> {
  const rows = await sqlRows(store, 'SELECT p.code, p.uses, (SELECT count(*) FROM promo_redemptions r WHERE r.promo_code_id = p.id) AS n FROM promo_codes p');
  for (const r of rows) assert.equal(Number(r.uses), Number(r.n), `promo ${r.code}: uses ${r.uses}, redemptions ${r.n}`);
}
