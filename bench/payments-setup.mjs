/**
 * What bench/payments.mjs needs before and after its timed phases: the buyers, open orders
 * made through the real store (`openOrder` + `markOrderPending`, as the checkout does), each
 * order's provider notification built in advance (a signed Robokassa ResultURL form; a
 * YooKassa payment made and settled at the fake, and its webhook JSON), and the money
 * invariants read straight from the database afterwards. Not run by hand.
 */
import { randomUUID } from 'node:crypto';
import { noticeBase, robokassaHash, shpPairs } from '../dist/src/payments/robokassa-sign.js';

/** Every Nth buyer came from Telegram: their orders queue a bot message when fulfilled. */
const TELEGRAM_EVERY = 4;
/** Every Nth buyer came with a referral link: their first payment pays both sides. */
const REFERRED_EVERY = 10;
const INVITERS = 20;
/** Every Nth order is a license (key generated, sealed, license row); the rest are credit packs. */
const LICENSE_EVERY = 5;
const FIRST_TELEGRAM_ID = 600_000_000;

/** The mix of orders, as BENCHMARKS.md describes it. */
export const ORDER_MIX = `${100 / LICENSE_EVERY}% license products, the rest credit packs (10/50/100); 1 buyer in ${TELEGRAM_EVERY} from Telegram (the bot message is queued in the same transaction); 1 in ${REFERRED_EVERY} came by a referral link`;

/** The SQL that makes `count` buyers with no credits (a quarter with a Telegram id); works on both engines. */
export function seedUsersSql(count, engine) {
  const tg = (i) => `CASE WHEN ${i} % ${TELEGRAM_EVERY} = 0 THEN ${FIRST_TELEGRAM_ID} + ${i} END`;
  if (engine === 'pg') return `INSERT INTO users (telegram_id, credits) SELECT ${tg('i')}, 0 FROM generate_series(0, ${count - 1}) AS s(i)`;
  return `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${count - 1}) INSERT INTO users (telegram_id, credits) SELECT ${tg('i')}, 0 FROM s`;
}

/**
 * The buyers as orders need them: id, Telegram id, and for every tenth the referral code of
 * one of the first few users (the inviters, who never come by a link themselves).
 */
export async function loadBuyers(store, rows) {
  const users = rows.map((r, i) => ({ id: Number(r.id), telegramId: r.telegram_id === null ? null : Number(r.telegram_id), index: i, refCode: null }));
  const inviters = users.filter((u) => u.index % REFERRED_EVERY !== 3).slice(0, INVITERS);
  const codes = [];
  for (const u of inviters) codes.push(await store.referralCodeOf(u.id));
  for (const u of users) if (u.index % REFERRED_EVERY === 3) u.refCode = codes[u.index % codes.length];
  return users;
}

/** A deterministic pseudo-random sequence (mulberry32), so runs pick the same buyers. */
export function makeRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rubles text with 6 decimals, as Robokassa sends OutSum ("290.000000"). */
const robokassaSum = (kopecks) => `${Math.floor(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')}0000`;
const yookassaSum = (kopecks) => `${Math.floor(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')}`;

/** The ResultURL form Robokassa POSTs for a paid order, signed with password #2 (live mode). */
export function robokassaResultBody(order, { password2, hash }) {
  const outSum = robokassaSum(order.amount);
  const invId = String(order.id);
  const fields = new URLSearchParams({ out_summ: outSum, OutSum: outSum, inv_id: invId, InvId: invId, crc: '', SignatureValue: '', PaymentMethod: 'BankCard', IncSum: outSum, IncCurrLabel: 'BankCardPSR', IsTest: '0', EMail: 'buyer@example.com', Fee: '0.000000', Shp_lang: order.lang });
  const signature = robokassaHash(noticeBase(outSum, invId, password2, shpPairs(fields)), hash);
  fields.set('crc', signature);
  fields.set('SignatureValue', signature);
  return fields.toString();
}

/**
 * Makes the payment at the fake YooKassa as the checkout would (Idempotence-Key, metadata.order_id),
 * settles it through the fake's pay page (no notify URL is set, so the fake sends nothing),
 * and returns the webhook body YooKassa would POST.
 */
async function yookassaPayment(order, yk) {
  const auth = `Basic ${Buffer.from(`${yk.shopId}:${yk.secretKey}`).toString('base64')}`;
  const res = await fetch(`${yk.base}/v3/payments`, {
    method: 'POST',
    headers: { authorization: auth, 'idempotence-key': order.idempotenceKey, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: { value: yookassaSum(order.amount), currency: 'RUB' }, capture: true, confirmation: { type: 'redirect', return_url: 'http://127.0.0.1/return' }, description: `order ${order.id}`, metadata: { order_id: String(order.id) } }),
  });
  if (res.status !== 200) throw new Error(`fake YooKassa answered ${res.status} to POST /v3/payments: ${await res.text()}`);
  const payment = await res.json();
  const paid = await fetch(`${yk.base}/pay/${payment.id}`, { method: 'POST', redirect: 'manual' });
  await paid.arrayBuffer();
  if (paid.status !== 303) throw new Error(`fake YooKassa answered ${paid.status} to the pay page of ${payment.id}`);
  const body = JSON.stringify({ type: 'notification', event: 'payment.succeeded', object: { ...payment, status: 'succeeded', paid: true } });
  return { payment, body };
}

/**
 * Opens `count` orders for `provider` through the store and builds each one's notification:
 * `{orderId, path, contentType, body, expect}` where `expect` is the exact answer body.
 */
export async function prepareNotices({ store, provider, count, buyers, products, random, robokassa, yookassa, concurrency = 8 }) {
  const credits = products.filter((p) => p.kind === 'credits');
  const licenses = products.filter((p) => p.kind === 'license');
  const plan = Array.from({ length: count }, (_, i) => {
    const buyer = buyers[Math.floor(random() * buyers.length)];
    const product = i % LICENSE_EVERY === LICENSE_EVERY - 1 ? licenses[i % licenses.length] : credits[i % credits.length];
    return { buyer, product };
  });
  const out = new Array(count);
  let next = 0;
  const expiresAt = new Date(Date.now() + 24 * 3600_000).toISOString();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < count; i = next++) {
      const { buyer, product } = plan[i];
      const order = await store.openOrder({
        productId: product.id,
        provider,
        userId: buyer.id,
        telegramId: buyer.telegramId,
        lang: 'ru',
        amount: product.priceRub,
        listPrice: product.priceRub,
        credits: product.kind === 'credits' ? product.credits : 0,
        refCode: buyer.refCode,
        test: provider === 'yookassa', // the fake's key is a test_ key: its payments are test ones
        idempotenceKey: randomUUID(),
        expiresAt,
      });
      if (provider === 'robokassa') {
        await store.markOrderPending(order.id, { payUrl: `https://auth.robokassa.ru/Merchant/Index.aspx?InvId=${order.id}` });
        out[i] = { orderId: order.id, path: '/v2/payments/robokassa/result', contentType: 'application/x-www-form-urlencoded', body: robokassaResultBody(order, robokassa), expect: `OK${order.id}` };
      } else {
        const { payment, body } = await yookassaPayment(order, yookassa);
        await store.markOrderPending(order.id, { payUrl: payment.confirmation.confirmation_url, providerOrderId: payment.id, test: payment.test === true });
        out[i] = { orderId: order.id, path: '/v2/payments/yookassa/webhook', contentType: 'application/json', body, expect: '' };
      }
    }
  }));
  return out;
}

/** What must not change when notifications are replayed (read before and after). */
export const GRANTS_SQL = `SELECT
  (SELECT count(*) FROM credit_ledger) AS ledger_rows,
  (SELECT coalesce(sum(delta), 0) FROM credit_ledger) AS ledger_sum,
  (SELECT coalesce(sum(credits), 0) FROM users) AS balances,
  (SELECT count(*) FROM payments) AS payments,
  (SELECT count(*) FROM license_keys) AS licenses,
  (SELECT count(*) FROM outbox) AS outbox`;

/**
 * The money invariants, each a query that counts violations (0 = holds), on both engines.
 * Every order the bench made was notified, so every order must be paid exactly once.
 */
export const INVARIANTS = {
  users_whose_ledger_sum_differs_from_balance: 'SELECT count(*) AS n FROM users u WHERE u.credits <> coalesce((SELECT sum(l.delta) FROM credit_ledger l WHERE l.user_id = u.id), 0)',
  orders_not_paid: "SELECT count(*) AS n FROM orders WHERE status <> 'paid' OR payment_id IS NULL OR paid_at IS NULL",
  orders_with_more_than_one_payment: 'SELECT count(*) AS n FROM (SELECT order_id FROM payments WHERE order_id IS NOT NULL GROUP BY order_id HAVING count(*) > 1) AS t',
  payments_count_minus_orders_count: 'SELECT (SELECT count(*) FROM payments) - (SELECT count(*) FROM orders) AS n',
  payments_not_paid: "SELECT count(*) AS n FROM payments WHERE status <> 'paid' OR fulfilled_at IS NULL",
  order_payment_links_broken: 'SELECT count(*) AS n FROM orders o LEFT JOIN payments p ON p.id = o.payment_id WHERE p.id IS NULL OR p.order_id <> o.id',
  credit_orders_without_one_purchase_row: "SELECT count(*) AS n FROM orders o WHERE o.credits > 0 AND (SELECT count(*) FROM credit_ledger l WHERE l.payment_id = o.payment_id AND l.kind = 'purchase' AND l.delta = o.credits) <> 1",
  purchase_rows_minus_credit_orders: "SELECT (SELECT count(*) FROM credit_ledger WHERE kind = 'purchase') - (SELECT count(*) FROM orders WHERE credits > 0) AS n",
  license_orders_without_license: "SELECT count(*) AS n FROM orders o JOIN products p ON p.id = o.product_id WHERE p.kind = 'license' AND o.license_id IS NULL",
  license_rows_minus_license_orders: "SELECT (SELECT count(*) FROM license_keys) - (SELECT count(*) FROM orders o JOIN products p ON p.id = o.product_id WHERE p.kind = 'license') AS n",
  bot_messages_minus_telegram_orders: 'SELECT (SELECT count(*) FROM outbox) - (SELECT count(*) FROM orders WHERE telegram_id IS NOT NULL) AS n',
  referral_bonus_rows_not_two_per_rewarded_referral: "SELECT (SELECT count(*) FROM credit_ledger WHERE kind IN ('referral_bonus', 'referral_reward')) - 2 * (SELECT count(*) FROM referrals WHERE bonus_granted_at IS NOT NULL) AS n",
};
