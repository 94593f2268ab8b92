/**
 * The money invariants of a chaos run, read from the database after the traffic of
 * chaos-money.ts: each payment fulfilled once (an order paid at most once, one purchase
 * ledger row per paid payment, payment events unique, one license per paid license order),
 * each promo use counted once (uses = redemptions, never past max_uses except by the late
 * payment of an expired order), each referral bonus paid at most once per invitee and only
 * on the first payment, and every notification answered as a provider needs. The balance
 * check for every user (ledger = balance = what grants, orders, purchases and bonuses
 * add up to) is in chaos-report.ts with the jobs' one.
 */
import type pg from 'pg';
import type { MoneyObserved } from './chaos-money.js';

/** One promo code at the end. */
export interface PromoOutcome {
  code: string;
  maxUses: number | null;
  uses: number;
  redemptions: number;
  paidOrders: number;
  /** Paid orders that had expired (their use given back) before the payment came: each may take a use past max_uses. */
  latePaid: number;
}

/** What the money traffic ended with; every `violations` list must be empty. */
export interface ShopReport {
  buyers: number;
  orders: { made: number; byStatus: Record<string, number>; refusals: Record<string, number>; expiredBeforePay: number };
  payments: { paid: number; rejected: number; byRejectReason: Record<string, number>; purchasedCredits: number; licenses: number };
  attempts: Record<string, number>;
  promos: PromoOutcome[];
  referrals: { planned: number; made: number; rewarded: number };
  violations: Record<'payments' | 'purchases' | 'licenses' | 'promos' | 'referrals' | 'answers', string[]>;
  failures: string[];
}

type Row = Record<string, unknown>;
const n = (v: unknown) => Number(v);
const count = (items: string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const k of items) out[k] = (out[k] ?? 0) + 1;
  return out;
};

/** Reads the shop's tables and checks them against what the traffic did. */
export async function collectShopReport(db: pg.Pool, seen: MoneyObserved, referralBonus: number): Promise<ShopReport> {
  const rows = async (sql: string) => (await db.query(sql)).rows as Row[];
  const orders = await rows('SELECT o.id, o.user_id, o.status, o.credits, o.promo_code_id, o.payment_id, o.license_id, p.kind AS product_kind FROM orders o JOIN products p ON p.id = o.product_id ORDER BY o.id');
  const payments = await rows("SELECT id, order_id, user_id, status, credits, reject_reason, license_id, provider_payment_id FROM payments WHERE provider = 'robokassa' ORDER BY id");
  const ledger = await rows('SELECT payment_id, kind, user_id, delta FROM credit_ledger WHERE payment_id IS NOT NULL');
  const promos = await rows('SELECT p.id, p.code, p.max_uses, p.uses, (SELECT count(*) FROM promo_redemptions r WHERE r.promo_code_id = p.id)::int AS redemptions FROM promo_codes p ORDER BY p.id');
  const redemptions = await rows('SELECT r.promo_code_id, r.order_id, o.status FROM promo_redemptions r JOIN orders o ON o.id = r.order_id');
  const referrals = await rows('SELECT invitee_user_id, inviter_user_id, bonus_payment_id, bonus_granted_at FROM referrals');
  const licenses = await rows("SELECT id, note FROM license_keys WHERE note LIKE 'robokassa order %'");
  const duplicates = await rows("SELECT provider_payment_id, count(*)::int AS n FROM payments WHERE provider = 'robokassa' GROUP BY provider_payment_id HAVING count(*) > 1");

  const v: ShopReport['violations'] = { payments: [], purchases: [], licenses: [], promos: [], referrals: [], answers: [] };
  const paymentById = new Map(payments.map((p) => [n(p.id), p]));
  const orderById = new Map(orders.map((o) => [n(o.id), o]));
  const paid = payments.filter((p) => p.status === 'paid');

  // Each payment fulfilled once.
  for (const d of duplicates) v.payments.push(`event ${String(d.provider_payment_id)} recorded ${n(d.n)} times`);
  const paidPerOrder = count(paid.map((p) => String(p.order_id)));
  for (const [orderId, times] of Object.entries(paidPerOrder)) if (times > 1) v.payments.push(`order ${orderId} paid by ${times} payments`);
  for (const o of orders.filter((x) => x.status === 'paid')) {
    const p = paymentById.get(n(o.payment_id));
    if (!p || p.status !== 'paid' || n(p.order_id) !== n(o.id) || n(p.credits) !== n(o.credits)) v.payments.push(`order ${n(o.id)} is paid, but its payment ${String(o.payment_id)} is ${p ? `${String(p.status)} for order ${String(p.order_id)} with ${n(p.credits)} credits` : 'missing'}`);
  }
  for (const p of paid) {
    const o = orderById.get(n(p.order_id));
    if (!o || o.status !== 'paid' || n(o.payment_id) !== n(p.id)) v.payments.push(`payment ${n(p.id)} is paid, but order ${String(p.order_id)} is ${o ? `${String(o.status)} by payment ${String(o.payment_id)}` : 'missing'}`);
  }
  for (const p of payments) {
    const rowsOf = ledger.filter((l) => n(l.payment_id) === n(p.id) && l.kind === 'purchase');
    const want = p.status === 'paid' && n(p.credits) > 0 ? 1 : 0;
    const wrong = rowsOf.length !== want || rowsOf.some((l) => n(l.delta) !== n(p.credits) || n(l.user_id) !== n(p.user_id));
    if (wrong) v.purchases.push(`payment ${n(p.id)} (${String(p.status)}, ${n(p.credits)} credits) has ${rowsOf.length} purchase row(s): ${rowsOf.map((l) => `${n(l.delta)} to user ${n(l.user_id)}`).join(', ')}`);
  }
  for (const o of orders) {
    const keys = licenses.filter((l) => l.note === `robokassa order ${n(o.id)}`);
    const want = o.status === 'paid' && o.product_kind === 'license' ? 1 : 0;
    const p = paymentById.get(n(o.payment_id));
    if (keys.length !== want || (want && (n(o.license_id) !== n(keys[0].id) || n(p?.license_id) !== n(keys[0].id)))) v.licenses.push(`order ${n(o.id)} (${String(o.status)} ${String(o.product_kind)}) has ${keys.length} license key(s), order.license_id ${String(o.license_id)}`);
  }

  // Each promo use counted once.
  const promoOutcomes: PromoOutcome[] = promos.map((p) => {
    const mine = orders.filter((o) => n(o.promo_code_id) === n(p.id) && o.status === 'paid');
    return { code: String(p.code), maxUses: p.max_uses === null ? null : n(p.max_uses), uses: n(p.uses), redemptions: n(p.redemptions), paidOrders: mine.length, latePaid: mine.filter((o) => seen.expiredBeforePay.has(n(o.id))).length };
  });
  for (const p of promoOutcomes) {
    if (p.uses !== p.redemptions) v.promos.push(`${p.code}: uses ${p.uses}, redemptions ${p.redemptions}`);
    if (p.maxUses !== null && p.uses > p.maxUses + p.latePaid) v.promos.push(`${p.code}: ${p.uses} uses of ${p.maxUses}, only ${p.latePaid} late payment(s) may go past it`);
  }
  for (const r of redemptions) if (r.status !== 'created' && r.status !== 'pending' && r.status !== 'paid') v.promos.push(`order ${n(r.order_id)} is ${String(r.status)} but still holds its use of promo ${n(r.promo_code_id)}`);
  for (const o of orders.filter((x) => x.promo_code_id !== null && ['created', 'pending', 'paid'].includes(String(x.status)))) {
    const held = redemptions.some((r) => n(r.order_id) === n(o.id));
    // A late payment re-takes the use unless the buyer used the code again meanwhile.
    if (!held && !(o.status === 'paid' && seen.expiredBeforePay.has(n(o.id)))) v.promos.push(`order ${n(o.id)} (${String(o.status)}) uses promo ${n(o.promo_code_id)} without a redemption`);
  }

  // Each referral bonus at most once per invitee, only on the first payment.
  const rewarded = referrals.filter((r) => r.bonus_granted_at !== null);
  for (const r of referrals) {
    const invitee = n(r.invitee_user_id);
    const bonusRows = ledger.filter((l) => l.kind === 'referral_bonus' && n(l.user_id) === invitee);
    const rewardRows = ledger.filter((l) => l.kind === 'referral_reward' && bonusRows.some((b) => n(b.payment_id) === n(l.payment_id)));
    if (r.bonus_granted_at === null) {
      if (bonusRows.length) v.referrals.push(`invitee ${invitee}: ${bonusRows.length} bonus row(s) for a referral never paid`);
      continue;
    }
    const p = paymentById.get(n(r.bonus_payment_id));
    const ok = bonusRows.length === 1 && n(bonusRows[0].payment_id) === n(r.bonus_payment_id) && n(bonusRows[0].delta) === referralBonus && rewardRows.length === 1 && n(rewardRows[0].user_id) === n(r.inviter_user_id) && n(rewardRows[0].delta) === referralBonus;
    if (!ok) v.referrals.push(`invitee ${invitee}: ${bonusRows.length} bonus row(s) and ${rewardRows.length} reward row(s) for bonus payment ${String(r.bonus_payment_id)}`);
    if (!p || p.status !== 'paid' || n(p.user_id) !== invitee) v.referrals.push(`invitee ${invitee}: the bonus payment ${String(r.bonus_payment_id)} is not a paid payment of theirs`);
    // Sound without knowing commit order: a payment acknowledged before the bonus payment's notification was even sent
    // was committed before it, so it was first. (Only paid orders: a wrong-amount notice is acknowledged too, as rejected.)
    const bonusOrder = seen.orders.find((o) => n(o.orderId) === n(p?.order_id));
    const paidEarlier = seen.orders.filter((o) => o.userId === invitee && o !== bonusOrder && o.okAt !== undefined && o.planned.fate === 'paid' && orderById.get(o.orderId)?.status === 'paid');
    for (const other of paidEarlier) {
      if (bonusOrder?.firstSentAt !== undefined && other.okAt! < bonusOrder.firstSentAt) v.referrals.push(`invitee ${invitee}: bonus on order ${bonusOrder.orderId}, but order ${other.orderId} was paid before (${other.okAt!.toFixed(2)} s < ${bonusOrder.firstSentAt.toFixed(2)} s)`);
    }
  }
  const rewardTotal = ledger.filter((l) => l.kind === 'referral_reward').length;
  const bonusTotal = ledger.filter((l) => l.kind === 'referral_bonus').length;
  if (rewardTotal !== rewarded.length || bonusTotal !== rewarded.length) v.referrals.push(`${rewarded.length} referral(s) paid, but ${bonusTotal} bonus and ${rewardTotal} reward rows`);
  for (const planned of seen.referrals) {
    const made = referrals.find((r) => n(r.invitee_user_id) === planned.inviteeId);
    const paidOrders = seen.orders.filter((o) => o.userId === planned.inviteeId && orderById.get(o.orderId)?.status === 'paid');
    if (planned.mode === 'afterPay') {
      if (made || planned.attached) v.referrals.push(`invitee ${planned.inviteeId} was invited after paying, yet the referral was ${made ? 'made' : 'attached'}`);
      continue;
    }
    if (planned.mode === 'attach' && !planned.attached) v.referrals.push(`invitee ${planned.inviteeId}: attaching the referral before any payment was refused`);
    if (paidOrders.length && (!made || made.bonus_granted_at === null || n(made.inviter_user_id) !== planned.inviterId)) v.referrals.push(`invitee ${planned.inviteeId} (${planned.mode}) paid ${paidOrders.length} order(s), but inviter ${planned.inviterId} ${made ? `is ${n(made.inviter_user_id)}, paid ${made.bonus_granted_at !== null}` : 'has no referral row'}`);
  }

  // Every notification answered as a provider needs, and each order where its payment put it.
  for (const o of seen.orders) {
    const status = String(orderById.get(o.orderId)?.status);
    const ok = `OK${o.orderId}`;
    if (o.planned.fate !== 'unpaid' && (o.answers.length !== o.planned.copies || o.answers.some((a) => a !== ok))) v.answers.push(`order ${o.orderId} (${o.planned.fate}): answers ${JSON.stringify(o.answers)}`);
    if (o.forgedAnswers.some((a) => !a.startsWith('400 '))) v.answers.push(`order ${o.orderId}: forged notifications answered ${JSON.stringify(o.forgedAnswers)}`);
    const want = o.planned.fate === 'paid' ? ['paid'] : o.planned.late ? ['expired'] : ['pending'];
    if (!want.includes(status)) v.answers.push(`order ${o.orderId} (${o.planned.fate}${o.planned.late ? ', late' : ''}) is ${status}`);
    if (o.planned.fate === 'wrongAmount' && !payments.some((p) => n(p.order_id) === o.orderId && p.status === 'rejected' && p.reject_reason === 'amount_mismatch')) v.answers.push(`order ${o.orderId}: no rejected amount_mismatch payment`);
  }
  v.answers.push(...seen.problems);

  const failures: string[] = [];
  if (!seen.finished) failures.push('the money traffic did not finish before the timeout');
  for (const [name, list] of Object.entries(v)) if (list.length) failures.push(`${list.length} money violation(s) in ${name}`);

  return {
    buyers: seen.buyers.length,
    orders: { made: orders.length, byStatus: count(orders.map((o) => String(o.status))), refusals: seen.orderRefusals, expiredBeforePay: seen.expiredBeforePay.size },
    payments: {
      paid: paid.length,
      rejected: payments.length - paid.length,
      byRejectReason: count(payments.filter((p) => p.reject_reason !== null).map((p) => String(p.reject_reason))),
      purchasedCredits: paid.reduce((s, p) => s + n(p.credits), 0),
      licenses: licenses.length,
    },
    attempts: seen.attempts,
    promos: promoOutcomes,
    referrals: { planned: seen.referrals.length, made: referrals.length, rewarded: rewarded.length },
    violations: v,
    failures,
  };
}

/** A few lines for the run's diagnostics. */
export function formatShopReport(r: ShopReport): string[] {
  return [
    `shop: ${r.buyers} buyers, ${r.orders.made} orders ${JSON.stringify(r.orders.byStatus)} (${r.orders.expiredBeforePay} expired before payment; refusals ${JSON.stringify(r.orders.refusals)}); payments: ${r.payments.paid} paid, ${r.payments.rejected} rejected ${JSON.stringify(r.payments.byRejectReason)}, ${r.payments.purchasedCredits} credits, ${r.payments.licenses} license key(s)`,
    `promos: ${r.promos.map((p) => `${p.code} ${p.uses}/${p.maxUses ?? '∞'} (${p.redemptions} redemptions, ${p.paidOrders} paid, ${p.latePaid} late)`).join('; ')}; referrals: ${r.referrals.planned} planned, ${r.referrals.made} made, ${r.referrals.rewarded} rewarded`,
    `shop HTTP attempts: ${Object.entries(r.attempts).sort().map(([k, c]) => `${k} ×${c}`).join('; ')}`,
    ...Object.entries(r.violations).flatMap(([name, list]) => list.slice(0, 10).map((line) => `money violation (${name}): ${line}`)),
  ];
}
