/**
 * The money traffic of a chaos run, carried out through real HTTP against `ttops serve`
 * processes that are SIGKILLed and restarted (and a PostgreSQL that restarts) while it runs:
 * accounts made by license issue + redeem, referrals attached, orders made with
 * `POST /v2/orders` (promo codes racing for their last uses), each pay link opened at the fake
 * Robokassa, some orders expired before their payment arrives, then the ResultURL
 * notification delivered as a provider does — several concurrent copies, each retried on
 * connection errors and 5xx until it is answered `OK{InvId}` — and some forged beside it.
 * What it saw goes to chaos-money-report.ts, which checks the database against it.
 */
import type pg from 'pg';
import { request } from 'undici';
import { noticeBase, robokassaHash, shpPairs } from '../../src/payments/robokassa-sign.js';
import type { Store } from '../../src/store/types.js';
import type { FakeRobokassaServer } from '../fakes/robokassa-server.js';
import type { MoneyPlan, PlannedBuyer, PlannedOrder } from './chaos-money-plan.js';

/** What the traffic needs from the harness. */
export interface MoneyContext {
  store: Store;
  monitor: pg.Pool;
  robokassa: FakeRobokassaServer;
  /** The serves' base URLs; each call picks one, as a load balancer would. */
  urls: () => string[];
  adminKey: string;
  password2: string;
  jobUserIds: number[];
  rand: () => number;
  /** Seconds since the workers started. */
  clock: () => number;
  /** Epoch ms after which nothing is retried any more. */
  deadline: number;
}

/** A buyer's account as the API made it. */
export interface MoneyBuyer {
  userId: number;
  token: string;
  /** Credits right after the account was made (the ledger check's starting point). */
  credits: number;
}

/** One order the API made, and what happened to its payment. */
export interface ObservedOrder {
  orderId: number;
  userId: number;
  planned: PlannedOrder;
  promoCode?: string;
  ref?: string;
  /** Seconds: the first real notification sent, and the first `OK{InvId}` for one. */
  firstSentAt?: number;
  okAt?: number;
  /** Final answers of the real (or wrong-amount) copies, and of the forged ones. */
  answers: string[];
  forgedAnswers: string[];
}

/** A referral as planned, resolved to users. */
export interface PlannedReferral {
  inviteeId: number;
  inviterId: number;
  mode: 'attach' | 'ref' | 'afterPay';
  /** The inviter's referral code. */
  code: string;
  /** What store.attachReferral answered (before paying for `attach`, after for `afterPay`). */
  attached?: boolean;
}

/** Everything the money traffic saw. */
export interface MoneyObserved {
  buyers: MoneyBuyer[];
  promoCodes: string[];
  /** Product ids by kind, as `GET /v2/products` listed them. */
  catalogue: Record<'credits' | 'license', number[]>;
  referrals: PlannedReferral[];
  orders: ObservedOrder[];
  /** Orders seen `expired` before their payment was sent. */
  expiredBeforePay: Set<number>;
  /** `POST /v2/orders` refusals by code (promo_exhausted, promo_already_used, …). */
  orderRefusals: Record<string, number>;
  /** Every HTTP attempt's outcome by kind: `notice 200`, `notice 503`, `order ECONNREFUSED`, … */
  attempts: Record<string, number>;
  /** Answers nobody should get (a valid notice refused, a forged one accepted, a pay link refused, …). */
  problems: string[];
  /** False when the deadline passed before every buyer was done. */
  finished: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const form = { 'content-type': 'application/x-www-form-urlencoded' };

/** Makes the promo codes, accounts and attached referrals; runs before the chaos starts. */
export async function setupMoney(ctx: MoneyContext, plan: MoneyPlan, observed: MoneyObserved): Promise<void> {
  const kinds = [
    { kind: 'percent', value: 30 },
    { kind: 'fixed', value: 5000 },
    { kind: 'credits', value: 5 },
  ] as const;
  for (const [i, maxUses] of plan.promoMaxUses.entries()) {
    const promo = await ctx.store.addPromo({ code: `CHAOS-${i}`, ...kinds[i % kinds.length], maxUses, expiresAt: null }, { actor: 'test:chaos' });
    observed.promoCodes.push(promo.code);
  }
  if (plan.buyers.length === 0) return;
  observed.catalogue = await readCatalogue(ctx, observed);
  const issued = await call(ctx, observed, 'issue', 'POST', '/v2/license/issue', { 'admin-api-key': ctx.adminKey, 'content-type': 'application/json' }, JSON.stringify({ plan: 'pro', ttl_days: 30, count: plan.buyers.length }));
  if (issued.status !== 200) throw new Error(`license issue answered ${issued.status}: ${issued.body}`);
  const keys = ([] as { key: string }[]).concat(JSON.parse(issued.body)).map((k) => k.key);
  // Redeeming hashes a password (PBKDF2, 600k rounds): two at a time keeps the machine for the rest.
  for (let i = 0; i < keys.length; i += 2) {
    const made = await Promise.all(keys.slice(i, i + 2).map((key, j) => makeAccount(ctx, observed, `chaos_buyer_${i + j}`, key)));
    observed.buyers.push(...made);
  }
  for (const b of plan.buyers) {
    if (!b.referral) continue;
    const inviterId = b.referral.inviter.kind === 'jobUser' ? ctx.jobUserIds[b.referral.inviter.index] : observed.buyers[b.referral.inviter.index].userId;
    const referral: PlannedReferral = { inviteeId: observed.buyers[b.index].userId, inviterId, mode: b.referral.mode, code: await ctx.store.referralCodeOf(inviterId) };
    if (b.referral.mode === 'attach') referral.attached = await ctx.store.attachReferral(referral.inviteeId, referral.code);
    observed.referrals.push(referral);
  }
}

async function makeAccount(ctx: MoneyContext, observed: MoneyObserved, username: string, key: string): Promise<MoneyBuyer> {
  const redeemed = await call(ctx, observed, 'redeem', 'POST', '/v2/auth/redeem-license', { 'content-type': 'application/json' }, JSON.stringify({ username, password: 'correct-horse-battery', license_key: key }));
  if (redeemed.status !== 200) throw new Error(`redeem answered ${redeemed.status}: ${redeemed.body}`);
  const token = JSON.parse(redeemed.body).access_token as string;
  const me = await call(ctx, observed, 'me', 'GET', '/v2/auth/me', { authorization: `Bearer ${token}` });
  const { id, credits } = JSON.parse(me.body) as { id: number; credits: number };
  return { userId: id, token, credits };
}

/**
 * One API call through a random serve, retried on connection errors and 5xx (a serve
 * being restarted, PostgreSQL down) until the deadline; status 0 when it never got through.
 */
async function call(ctx: MoneyContext, observed: MoneyObserved, kind: string, method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  for (;;) {
    const urls = ctx.urls();
    const base = urls[Math.floor(ctx.rand() * urls.length)];
    let outcome: string;
    try {
      const res = await request(`${base}${path}`, { method, headers, body, headersTimeout: 15_000, bodyTimeout: 15_000 });
      const text = await res.body.text();
      outcome = String(res.statusCode);
      observed.attempts[`${kind} ${outcome}`] = (observed.attempts[`${kind} ${outcome}`] ?? 0) + 1;
      if (res.statusCode < 500) return { status: res.statusCode, body: text };
    } catch (error) {
      outcome = (error as { code?: string }).code ?? (error as Error).name;
      observed.attempts[`${kind} ${outcome}`] = (observed.attempts[`${kind} ${outcome}`] ?? 0) + 1;
    }
    if (Date.now() > ctx.deadline) return { status: 0, body: `deadline; last ${outcome}` };
    await sleep(100 + ctx.rand() * 200);
  }
}

/** A database step of the harness itself (expiring orders), retried through a PostgreSQL restart. */
async function retried<T>(ctx: MoneyContext, step: () => Promise<T>): Promise<T | undefined> {
  for (;;) {
    try {
      return await step();
    } catch {
      if (Date.now() > ctx.deadline) return undefined;
      await sleep(150);
    }
  }
}

/** Runs every buyer's orders; resolves when all are done or the deadline passed. */
export async function runMoney(ctx: MoneyContext, plan: MoneyPlan, observed: MoneyObserved): Promise<void> {
  await Promise.all(plan.buyers.map((b) => runBuyer(ctx, b, observed)));
  observed.finished = Date.now() <= ctx.deadline;
}

async function runBuyer(ctx: MoneyContext, b: PlannedBuyer, observed: MoneyObserved): Promise<void> {
  await sleep(b.startMs);
  const buyer = observed.buyers[b.index];
  const referral = observed.referrals.find((r) => r.inviteeId === buyer.userId);
  const code = referral?.code;
  if (referral?.mode === 'afterPay') {
    // Paid first, invited after: neither the attach nor the `ref` on later orders may pay a bonus.
    const [first, ...rest] = b.orders;
    await runOrder(ctx, buyer, first, undefined, observed);
    referral.attached = await retried(ctx, () => ctx.store.attachReferral(buyer.userId, code!));
    await Promise.all(rest.map((o) => runOrder(ctx, buyer, o, code, observed)));
    return;
  }
  // Concurrently: two first payments of one invitee race for the one bonus.
  await Promise.all(b.orders.map((o) => runOrder(ctx, buyer, o, referral?.mode === 'ref' ? code : undefined, observed)));
}

async function runOrder(ctx: MoneyContext, buyer: MoneyBuyer, planned: PlannedOrder, ref: string | undefined, observed: MoneyObserved): Promise<void> {
  const choices = observed.catalogue[planned.product];
  const productId = choices[Math.floor(ctx.rand() * choices.length)];
  let promoCode = planned.promo === undefined ? undefined : observed.promoCodes[planned.promo];
  const headers = { authorization: `Bearer ${buyer.token}`, 'content-type': 'application/json' };
  let made: { status: number; body: string };
  for (;;) {
    made = await call(ctx, observed, 'order', 'POST', '/v2/orders', headers, JSON.stringify({ product_id: productId, provider: 'robokassa', ...(promoCode ? { promo_code: promoCode } : {}), ...(ref ? { ref } : {}) }));
    if (made.status === 201 || !promoCode || made.status === 0) break;
    // The code is used up (or this buyer used it, perhaps by an attempt that got through before a restart): buy without it.
    const code = errorCode(made);
    observed.orderRefusals[code] = (observed.orderRefusals[code] ?? 0) + 1;
    promoCode = undefined;
  }
  if (made.status !== 201) return void observed.problems.push(`POST /v2/orders answered ${made.status}: ${made.body.slice(0, 200)}`);
  const created = JSON.parse(made.body) as { order_id: number; pay_url: string };
  const order: ObservedOrder = { orderId: created.order_id, userId: buyer.userId, planned, promoCode, ref, answers: [], forgedAnswers: [] };
  observed.orders.push(order);

  const page = await request(created.pay_url).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }));
  if (page.status !== 200) return void observed.problems.push(`order ${order.orderId}: the pay link was refused (${page.status}): ${page.body.slice(0, 200)}`);
  if (planned.fate === 'unpaid') return;
  await sleep(planned.payDelayMs);
  if (planned.late) await expire(ctx, order.orderId, observed);
  const invoice = ctx.robokassa.invoices.get(String(order.orderId))!;
  invoice.state = 'paid';

  const body = planned.fate === 'paid' ? ctx.robokassa.noticeBody(order.orderId) : ctx.robokassa.noticeBody(order.orderId, { tamper: resignedAmount(ctx.password2, invoice.kopecks + 100) });
  const real = Array.from({ length: planned.copies }, () => deliver(ctx, observed, order, body, false));
  const forged = planned.forged ? Array.from({ length: planned.copies }, () => deliver(ctx, observed, order, ctx.robokassa.noticeBody(order.orderId, { tamper: 'amount' }), true)) : [];
  await Promise.all([...real, ...forged]);
}

/** The `error.code` of an API answer, or its status. */
function errorCode(answer: { status: number; body: string }): string {
  try {
    return (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code ?? String(answer.status);
  } catch {
    return String(answer.status);
  }
}

/** One notification copy, retried like a provider until it is answered (or refused with a 4xx). */
async function deliver(ctx: MoneyContext, observed: MoneyObserved, order: ObservedOrder, body: string, forged: boolean): Promise<void> {
  if (!forged) order.firstSentAt ??= ctx.clock();
  const answer = await call(ctx, observed, forged ? 'forged notice' : 'notice', 'POST', '/v2/payments/robokassa/result', form, body);
  const text = answer.status === 200 ? answer.body : `${answer.status} ${answer.body.slice(0, 120)}`;
  if (forged) order.forgedAnswers.push(text);
  else order.answers.push(text);
  if (!forged && text === `OK${order.orderId}`) order.okAt ??= ctx.clock();
}

/** A notification for another amount, signed with password #2 as Robokassa would sign it. */
function resignedAmount(password2: string, kopecks: number): (fields: URLSearchParams) => void {
  return (fields) => {
    const outSum = `${Math.trunc(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')}0000`;
    fields.set('OutSum', outSum);
    fields.set('SignatureValue', robokassaHash(noticeBase(outSum, fields.get('InvId')!, password2, shpPairs(fields)), 'md5'));
  };
}

/** Backdates the order and runs the expiry (as the `orders.expire` job does) until it is expired. */
async function expire(ctx: MoneyContext, orderId: number, observed: MoneyObserved): Promise<void> {
  await retried(ctx, () => ctx.monitor.query("UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = $1", [orderId]));
  for (;;) {
    await retried(ctx, () => ctx.store.expireOrders(new Date().toISOString(), 100));
    const status = await retried(ctx, async () => (await ctx.monitor.query('SELECT status FROM orders WHERE id = $1', [orderId])).rows[0]?.status as string);
    if (status === 'expired') return void observed.expiredBeforePay.add(orderId);
    if (status !== 'pending' && status !== 'created') return void observed.problems.push(`order ${orderId} is ${status} where it should have expired`);
    if (Date.now() > ctx.deadline) return;
    await sleep(100);
  }
}

/** The catalogue's product ids by kind, read through `GET /v2/products`. */
async function readCatalogue(ctx: MoneyContext, observed: MoneyObserved): Promise<Record<'credits' | 'license', number[]>> {
  const answer = await call(ctx, observed, 'products', 'GET', '/v2/products', {});
  if (answer.status !== 200) throw new Error(`GET /v2/products answered ${answer.status}: ${answer.body}`);
  const products = (JSON.parse(answer.body) as { products: { id: number; kind: 'credits' | 'license' }[] }).products;
  return { credits: products.filter((p) => p.kind === 'credits').map((p) => p.id), license: products.filter((p) => p.kind === 'license').map((p) => p.id) };
}
