/**
 * A fake YooKassa API v3 on 127.0.0.1:0: Basic auth, `POST /payments` and `POST /refunds`
 * with real Idempotence-Key semantics (same key + same body → the same object; same key +
 * other body → 400 "Idempotence key duplicated"), `GET /payments/{id}`, scripted 500/202/429
 * or slow answers (a 500 may come AFTER the payment was made, as a lost answer would), and
 * a pay page whose «Оплатить» marks the payment succeeded, POSTs the JSON notification to
 * the notify URL, and redirects (303) to the return_url.
 *
 * It also checks its callers: an order (metadata.order_id) created under two different
 * Idempotence-Keys is recorded in `violations`.
 *
 * Test helpers: `pay(id)`, `cancel(id)`, `setStatus(id, status)` (changes what GET says,
 * without notifying), `notify(id, {copies, event, object})` (`object` overrides what the
 * notification claims — the API keeps the truth), `notificationBody(id)`.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { readBody, sendJson, startHttpServer, type StartedServer } from './http.js';
import { deliverCopies, deliverNotice, FailureQueue, redirectBrowser, renderPayPage, sendHtml, type FakePaymentFailure, type NoticeDelivery, type NoticeReply } from './payment-kit.js';

/** Options for `startFakeYookassa`. */
export interface FakeYookassaOptions {
  shopId?: string;
  secretKey?: string;
  /** Where notifications go (the shop's HTTP-notification setting). */
  notifyUrl?: string;
  /** Objects' `test` flag (default: the key starts with `test_`). */
  test?: boolean;
}

/** One API call the fake saw. */
export interface FakeYookassaCall {
  method: string;
  path: string;
  idempotenceKey?: string;
  status: number;
  body?: unknown;
}

/** A scripted failure; `afterCreate` makes the payment first and then answers the failure (a lost answer). */
export type FakeYookassaFailure = FakePaymentFailure & { afterCreate?: boolean };

/** The running fake and its control surface. */
export interface FakeYookassaServer extends StartedServer {
  /** YOOKASSA_API_URL for the app. */
  apiUrl: string;
  shopId: string;
  secretKey: string;
  payments: Map<string, Record<string, unknown>>;
  refunds: Map<string, Record<string, unknown>>;
  calls: FakeYookassaCall[];
  deliveries: NoticeDelivery[];
  /** Misuses of idempotence keys the fake noticed (should stay empty). */
  violations: string[];
  setNotifyUrl(url: string): void;
  /** The next API call(s) fail, hang or are slow. */
  failNext(failure: FakeYookassaFailure, times?: number): void;
  /** Marks the payment succeeded and delivers `payment.succeeded`. */
  pay(id: string): Promise<NoticeReply>;
  /** Marks the payment canceled and delivers `payment.canceled`. */
  cancel(id: string): Promise<NoticeReply>;
  /** Changes the payment's status as GET reports it, without a notification. */
  setStatus(id: string, status: 'pending' | 'waiting_for_capture' | 'succeeded' | 'canceled'): void;
  /** Delivers a notification for the payment: `copies` concurrent ones; `object` fields override the truth in the body only. */
  notify(id: string, options?: { copies?: number; event?: string; object?: Record<string, unknown> }): Promise<NoticeReply[]>;
  notificationBody(id: string, options?: { event?: string; object?: Record<string, unknown> }): string;
}

/** Starts the fake. */
export async function startFakeYookassa(options: FakeYookassaOptions = {}): Promise<FakeYookassaServer> {
  const shopId = options.shopId ?? '100500';
  const secretKey = options.secretKey ?? 'test_fake_secret_key';
  const testFlag = options.test ?? secretKey.startsWith('test_');
  const expectedAuth = `Basic ${Buffer.from(`${shopId}:${secretKey}`).toString('base64')}`;
  let notifyUrl = options.notifyUrl;
  const payments = new Map<string, Record<string, unknown>>();
  const refunds = new Map<string, Record<string, unknown>>();
  const keys = new Map<string, { body: string; status: number; answer: unknown }>();
  const keyOfOrder = new Map<string, string>();
  const calls: FakeYookassaCall[] = [];
  const deliveries: NoticeDelivery[] = [];
  const violations: string[] = [];
  const failures = new FailureQueue();
  let baseUrl = '';

  function paymentOf(id: string): Record<string, unknown> {
    const p = payments.get(id);
    if (!p) throw new Error(`fake YooKassa: no payment ${id}`);
    return p;
  }

  function settle(p: Record<string, unknown>, status: string): void {
    p.status = status;
    if (status === 'succeeded') {
      p.paid = true;
      p.captured_at = new Date().toISOString();
      p.refundable = true;
      p.payment_method = { type: 'bank_card', id: p.id, saved: false, title: 'Bank card *4444' };
      p.income_amount = p.amount;
    } else if (status === 'canceled') {
      p.paid = false;
      p.cancellation_details = { party: 'yoo_money', reason: 'canceled_by_merchant' };
    }
  }

  function notificationBody(id: string, opts: { event?: string; object?: Record<string, unknown> } = {}): string {
    const p = paymentOf(id);
    return JSON.stringify({ type: 'notification', event: opts.event ?? `payment.${p.status as string}`, object: { ...p, ...opts.object } });
  }

  function sendNotification(id: string, opts: { event?: string; object?: Record<string, unknown> } = {}): Promise<NoticeReply> {
    if (!notifyUrl) throw new Error('fake YooKassa: no notifyUrl set');
    return deliverNotice(deliveries, id, notifyUrl, { method: 'POST', body: notificationBody(id, opts), headers: { 'content-type': 'application/json; charset=utf-8' } });
  }

  function createPayment(body: Record<string, unknown>): Record<string, unknown> {
    const id = `2f${randomUUID().slice(2)}`;
    const confirmation = (body.confirmation ?? {}) as Record<string, unknown>;
    const payment: Record<string, unknown> = {
      id,
      status: 'pending',
      paid: false,
      amount: body.amount,
      description: body.description,
      recipient: { account_id: shopId, gateway_id: '1000001' },
      created_at: new Date().toISOString(),
      confirmation: { type: 'redirect', return_url: confirmation.return_url, confirmation_url: `${baseUrl}/pay/${id}` },
      test: testFlag,
      refundable: false,
      metadata: body.metadata ?? {},
    };
    payments.set(id, payment);
    return payment;
  }

  function createRefund(body: Record<string, unknown>): [number, unknown] {
    const payment = payments.get(String(body.payment_id));
    if (!payment) return [404, { type: 'error', code: 'not_found', description: 'payment not found' }];
    if (payment.status !== 'succeeded') return [400, { type: 'error', code: 'invalid_request', description: 'payment is not succeeded' }];
    const amount = body.amount as { value: string; currency: string };
    const refund = { id: `rf-${randomUUID()}`, payment_id: payment.id, status: 'succeeded', amount, created_at: new Date().toISOString() };
    refunds.set(refund.id, refund);
    payment.refunded_amount = amount;
    return [200, refund];
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, path: string, raw: Buffer): Promise<void> {
    const key = req.headers['idempotence-key'] as string | undefined;
    const text = raw.toString('utf8');
    let body: Record<string, unknown> = {};
    if (text) body = JSON.parse(text) as Record<string, unknown>;
    const call: FakeYookassaCall = { method: req.method ?? '', path, idempotenceKey: key, status: 0, body: text ? body : undefined };
    calls.push(call);
    const answer = (status: number, payload: unknown) => {
      call.status = status;
      sendJson(res, status, payload);
    };
    if (req.headers.authorization !== expectedAuth) return answer(401, { type: 'error', code: 'invalid_credentials', description: 'Basic auth: shopId:secretKey' });
    const isCreate = req.method === 'POST' && (path === '/v3/payments' || path === '/v3/refunds');
    const failure = failures.take();
    const afterCreate = isCreate && failure !== undefined && 'afterCreate' in failure && failure.afterCreate === true;
    if (failure && !afterCreate) {
      if (await failures.apply(res, failure)) {
        call.status = 'status' in failure ? failure.status : 0;
        return;
      }
    }
    if (isCreate) {
      if (!key) return answer(400, { type: 'error', code: 'invalid_request', description: 'Idempotence-Key header is required' });
      const seen = keys.get(key);
      if (seen) {
        if (seen.body !== text) return answer(400, { type: 'error', code: 'invalid_request', description: 'Idempotence key duplicated' });
        return answer(seen.status, seen.answer);
      }
      let status = 200;
      let payload: unknown;
      if (path === '/v3/payments') {
        const orderId = String(((body.metadata ?? {}) as Record<string, unknown>).order_id ?? '');
        const earlier = keyOfOrder.get(orderId);
        if (orderId && earlier && earlier !== key) violations.push(`order ${orderId} created with Idempotence-Key ${key} after ${earlier}`);
        if (orderId) keyOfOrder.set(orderId, key);
        payload = createPayment(body);
      } else {
        [status, payload] = createRefund(body);
      }
      keys.set(key, { body: text, status, answer: payload });
      if (afterCreate && failure && 'status' in failure) {
        // The work is done, but the answer is "lost": the caller must retry with the same key.
        call.status = failure.status;
        return sendJson(res, failure.status, { type: 'error', code: 'internal_server_error', description: 'scripted after create' });
      }
      return answer(status, payload);
    }
    const one = /^\/v3\/payments\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && one) {
      const p = payments.get(decodeURIComponent(one[1]));
      return p ? answer(200, p) : answer(404, { type: 'error', code: 'not_found', description: 'payment not found' });
    }
    answer(404, { type: 'error', code: 'not_found', description: `no ${req.method} ${path}` });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    if (url.pathname.startsWith('/v3/')) return api(req, res, url.pathname, raw);
    const page = /^\/(pay|cancel)\/([^/]+)$/.exec(url.pathname);
    const p = page ? payments.get(page[2]) : undefined;
    if (!page || !p) return sendHtml(res, 404, '<p id="error">платёж не найден</p>');
    const returnUrl = (p.confirmation as { return_url?: string }).return_url;
    if (req.method === 'GET' && page[1] === 'pay') {
      if (p.status !== 'pending') return redirectBrowser(res, returnUrl, `платёж ${p.status as string}`);
      const amount = p.amount as { value: string };
      return sendHtml(res, 200, renderPayPage({ provider: 'ЮKassa', amountText: amount.value, description: String(p.description ?? ''), payAction: `/pay/${p.id as string}`, cancelAction: `/cancel/${p.id as string}`, test: testFlag }));
    }
    if (req.method !== 'POST') return sendHtml(res, 405, '<p>POST</p>');
    if (p.status === 'pending') {
      settle(p, page[1] === 'pay' ? 'succeeded' : 'canceled');
      if (notifyUrl) await sendNotification(p.id as string);
    }
    redirectBrowser(res, returnUrl, page[1] === 'pay' ? 'Оплачено' : 'Оплата отменена');
  }

  const started = await startHttpServer(handle);
  baseUrl = started.url;
  return {
    ...started,
    apiUrl: `${started.url}/v3`,
    shopId,
    secretKey,
    payments,
    refunds,
    calls,
    deliveries,
    violations,
    setNotifyUrl(url) {
      notifyUrl = url;
    },
    failNext(failure, times) {
      failures.push(failure, times);
    },
    async pay(id) {
      settle(paymentOf(id), 'succeeded');
      return sendNotification(id);
    },
    async cancel(id) {
      settle(paymentOf(id), 'canceled');
      return sendNotification(id);
    },
    setStatus(id, status) {
      settle(paymentOf(id), status);
    },
    notify(id, opts = {}) {
      return deliverCopies(opts.copies ?? 1, () => sendNotification(id, opts));
    },
    notificationBody,
  };
}
