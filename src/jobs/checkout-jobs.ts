/**
 * The checkout's periodic jobs. `orders.expire` moves abandoned orders to `expired` (their
 * promo uses come back). `payments.reconcile` asks each provider about orders still pending
 * — a lost notification is found and fulfilled the same way a delivered one is — and
 * compares Telegram's Stars transactions with the payments table: a Stars payment Telegram
 * has and ttops never recorded alerts the admin (once per window).
 */
import type { Logger } from 'pino';
import { STARS_PROVIDER } from '../billing/stars.js';
import { handleNotice, type FulfilDeps } from '../orders/fulfil.js';
import type { PaymentProvider } from '../payments/types.js';
import type { NewJob, OrderProvider, PaymentStore, ShopOrderStore } from '../store/types.js';
import { raiseBillingAlert, type AlertTarget } from './alerts.js';
import { asObject, callHttp } from './providers/http.js';
import type { JobHandler } from './worker.js';

export const ORDERS_EXPIRE_KIND = 'orders.expire';
export const PAYMENTS_RECONCILE_KIND = 'payments.reconcile';
export const ORDERS_EXPIRE_EVERY_MS = 5 * 60_000;
export const PAYMENTS_RECONCILE_EVERY_MS = 10 * 60_000;
/** A pending order younger than this is left alone: its notification is probably on its way. */
export const RECONCILE_AFTER_MS = 10 * 60_000;
const BATCH = 100;

export function planOrdersExpire(now: number): NewJob {
  return { kind: ORDERS_EXPIRE_KIND, dedupeKey: `${ORDERS_EXPIRE_KIND}:${Math.floor(now / ORDERS_EXPIRE_EVERY_MS)}` };
}

export function planPaymentsReconcile(now: number): NewJob {
  return { kind: PAYMENTS_RECONCILE_KIND, dedupeKey: `${PAYMENTS_RECONCILE_KIND}:${Math.floor(now / PAYMENTS_RECONCILE_EVERY_MS)}` };
}

/** Expires every overdue order, a batch at a time. */
export function ordersExpireHandler(store: Pick<ShopOrderStore, 'expireOrders'>, now: () => Date = () => new Date()): JobHandler {
  return async () => {
    let expired = 0;
    for (let batch = BATCH; batch === BATCH; ) {
      batch = (await store.expireOrders(now().toISOString(), BATCH)).length;
      expired += batch;
    }
    return { status: 'succeeded', result: { expired } };
  };
}

/** The Bot API, for reading Stars transactions (TELEGRAM_API_ROOT, TELEGRAM_BOT_TOKEN). */
export interface StarsLedgerSource {
  apiRoot: string;
  token: string;
  timeoutMs: number;
}

export interface ReconcileDeps {
  store: Pick<ShopOrderStore, 'listPendingOrders'> & Pick<PaymentStore, 'findPayment'>;
  providers: ReadonlyMap<OrderProvider, PaymentProvider>;
  fulfil: FulfilDeps;
  alerts: AlertTarget;
  stars?: StarsLedgerSource;
  logger?: Pick<Logger, 'warn'>;
  now?: () => number;
}

/** What one reconciliation pass found. */
export interface ReconcileReport {
  checked: number;
  fulfilled: number;
  failed: number;
  lookupErrors: number;
  starsChecked: number;
  starsUnrecorded: string[];
}

/** One pass: pending orders at their providers, then Stars transactions against the table. */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const now = deps.now?.() ?? Date.now();
  const report: ReconcileReport = { checked: 0, fulfilled: 0, failed: 0, lookupErrors: 0, starsChecked: 0, starsUnrecorded: [] };
  for (const order of await deps.store.listPendingOrders(new Date(now - RECONCILE_AFTER_MS).toISOString(), BATCH)) {
    const provider = deps.providers.get(order.provider);
    if (!provider) continue;
    report.checked++;
    try {
      const notice = await provider.lookup(order);
      if (!notice || notice.outcome === 'pending') continue;
      const outcome = await handleNotice(deps.fulfil, notice);
      if (outcome?.result === 'fulfilled') report.fulfilled++;
      if (notice.outcome === 'failed') report.failed++;
    } catch (error) {
      // One provider being down must not stop the others' orders from being checked.
      report.lookupErrors++;
      deps.logger?.warn({ err: error, order_id: order.id, provider: order.provider }, 'reconciliation could not ask the provider about an order');
    }
  }
  if (deps.stars) {
    const charges = await incomingStarCharges(deps.stars);
    report.starsChecked = charges.length;
    for (const charge of charges) if (!(await deps.store.findPayment(STARS_PROVIDER, charge))) report.starsUnrecorded.push(charge);
    if (report.starsUnrecorded.length > 0) {
      await raiseBillingAlert(deps.alerts, {
        code: 'stars_unrecorded',
        detail: `Telegram has ${report.starsUnrecorded.length} Stars payment(s) ttops never recorded: ${report.starsUnrecorded.slice(0, 10).join(', ')} — the buyers paid and may have got nothing; refund or grant by hand.`,
      });
    }
  }
  return report;
}

/** Pages of getStarTransactions read per pass at the most (100 each). */
const STARS_MAX_PAGES = 50;
/** How many of the newest incoming Stars payments are compared each pass. */
const STARS_CHECKED = 200;

/**
 * The charge ids of the newest incoming Stars payments. Telegram lists transactions oldest
 * first with no total, so the pass pages forward to the end (at most STARS_MAX_PAGES pages)
 * and keeps the last STARS_CHECKED incoming ones.
 */
async function incomingStarCharges(source: StarsLedgerSource): Promise<string[]> {
  const incoming: string[] = [];
  for (let page = 0; page < STARS_MAX_PAGES; page++) {
    const out = await callHttp({ url: `${source.apiRoot}/bot${source.token}/getStarTransactions`, method: 'POST', json: { offset: page * 100, limit: 100 }, timeoutMs: source.timeoutMs });
    if (!out.ok) throw out.error;
    const result = asObject(asObject(out.answer.json)?.result);
    const transactions = Array.isArray(result?.transactions) ? result.transactions : [];
    for (const t of transactions.map((x) => asObject(x))) if (asObject(t?.source)?.type === 'user' && typeof t?.id === 'string') incoming.push(t.id);
    if (transactions.length < 100) break;
  }
  return incoming.slice(-STARS_CHECKED);
}

export function reconcileHandler(deps: ReconcileDeps): JobHandler {
  return async () => ({ status: 'succeeded', result: { ...(await reconcile(deps)) } });
}
