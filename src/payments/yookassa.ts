/**
 * YooKassa over its HTTP API. A payment is created with the order's persisted
 * Idempotence-Key (resent unchanged on every retry, so a lost answer never makes a second
 * payment). Notifications are unsigned: after the optional IP check the payment is
 * re-fetched by id, and only the fetched status, amount, metadata and test flag count.
 */
import type { Config } from '../config/load.js';
import { FailureError } from '../errors.js';
import { asObject, type HttpAnswer } from '../jobs/providers/http.js';
import type { ShopOrderRecord } from '../store/order-types.js';
import { makeIpAllowlist, type IpAllowlist } from './ip-allowlist.js';
import { parseKopecks, rublesText } from './money.js';
import { callProvider, DEFAULT_RETRY_DELAYS_MS } from './provider-http.js';
import type { CheckoutLink, CheckoutRequest, IncomingNotice, NoticeAck, PaymentProvider, VerifiedNotice, VerifyResult } from './types.js';

/** The YOOKASSA_* settings as config.payments.yookassa holds them. */
export type YookassaSettings = Config['payments']['yookassa'];

/** Options for tests: HTTP deadline and retry waits. */
export interface YookassaOptions {
  timeoutMs?: number;
  retryDelaysMs?: readonly number[];
}

/** What the provider reads from a YooKassa payment object. */
interface FetchedPayment {
  id: string;
  status: string;
  amountValue: string;
  currency: string;
  orderId: number | undefined;
  test: boolean;
  raw: Record<string, unknown>;
}

/** The YooKassa provider. */
export class YookassaProvider implements PaymentProvider {
  readonly name = 'yookassa' as const;
  /** YooKassa secret keys say their mode: `test_…` or `live_…`. Each answer also carries `test`. */
  readonly test: boolean;
  private readonly allowed: IpAllowlist | undefined;
  private readonly authorization: string;

  constructor(
    private readonly settings: YookassaSettings,
    private readonly options: YookassaOptions = {},
  ) {
    this.test = (settings.secretKey ?? '').startsWith('test_');
    this.allowed = makeIpAllowlist(settings.allowedIps, 'YOOKASSA_ALLOWED_IPS');
    this.authorization = `Basic ${Buffer.from(`${settings.shopId ?? ''}:${settings.secretKey ?? ''}`).toString('base64')}`;
  }

  private call(method: 'GET' | 'POST', path: string, extra: { json?: unknown; idempotenceKey?: string } = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { authorization: this.authorization };
    if (extra.idempotenceKey) headers['idempotence-key'] = extra.idempotenceKey;
    return callProvider(
      { url: `${this.settings.apiUrl}${path}`, method, headers, json: extra.json, timeoutMs: this.options.timeoutMs ?? 15_000 },
      // GETs are safe to repeat; POSTs carry their key.
      { delaysMs: this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, idempotent: true, provider: 'YooKassa' },
    );
  }

  async createCheckout(request: CheckoutRequest): Promise<CheckoutLink> {
    const body = {
      amount: { value: rublesText(request.amount), currency: 'RUB' },
      capture: true,
      confirmation: { type: 'redirect', return_url: request.returnUrl, locale: request.lang === 'en' ? 'en_US' : 'ru_RU' },
      description: request.description.slice(0, 128),
      metadata: { order_id: String(request.orderId) },
    };
    const answer = await this.call('POST', '/payments', { json: body, idempotenceKey: request.idempotenceKey });
    const payment = asObject(answer.json);
    if (answer.status !== 200 || !payment) throw refused('create the payment', answer);
    const payUrl = asObject(payment.confirmation)?.confirmation_url;
    if (typeof payment.id !== 'string' || typeof payUrl !== 'string') throw new FailureError('provider_malformed', 'YooKassa answered without a payment id or confirmation_url — try again');
    return { payUrl, providerOrderId: payment.id, test: payment.test === true };
  }

  /** GET /payments/{id}: the payment, or undefined when YooKassa does not know it. */
  private async fetchPayment(id: string): Promise<FetchedPayment | undefined> {
    const answer = await this.call('GET', `/payments/${encodeURIComponent(id)}`);
    if (answer.status === 404) return undefined;
    const raw = asObject(answer.json);
    if (answer.status !== 200 || !raw) throw refused('fetch the payment', answer);
    const amount = asObject(raw.amount);
    const orderIdText = asObject(raw.metadata)?.order_id;
    const orderId = typeof orderIdText === 'string' && /^[1-9]\d{0,15}$/.test(orderIdText) ? Number(orderIdText) : undefined;
    if (typeof raw.id !== 'string' || typeof raw.status !== 'string' || typeof amount?.value !== 'string' || typeof amount.currency !== 'string') {
      throw new FailureError('provider_malformed', `YooKassa's payment ${id} lacks id, status or amount`);
    }
    return { id: raw.id, status: raw.status, amountValue: amount.value, currency: amount.currency, orderId, test: raw.test === true, raw };
  }

  async verify(notice: IncomingNotice): Promise<VerifyResult> {
    if (this.allowed && !this.allowed(notice.ip)) return { ok: false, reason: 'forbidden_ip', message: `YooKassa notifications are not accepted from ${notice.ip}` };
    let body: Record<string, unknown> | undefined;
    try {
      body = asObject(JSON.parse(notice.rawBody.toString('utf8')));
    } catch {
      body = undefined;
    }
    const object = asObject(body?.object);
    const event = body?.event;
    if (body?.type !== 'notification' || typeof event !== 'string' || !object) return { ok: false, reason: 'malformed', message: 'expected {type:"notification", event, object}' };
    // A refund event names the refund; its payment is what decides.
    const paymentId = event.startsWith('refund.') ? object.payment_id : event.startsWith('payment.') ? object.id : undefined;
    if (typeof paymentId !== 'string' || !paymentId) return { ok: false, reason: 'malformed', message: `event ${event.slice(0, 40)} names no payment` };
    const payment = await this.fetchPayment(paymentId);
    if (!payment) return { ok: false, reason: 'unknown_payment', message: `YooKassa does not know payment ${paymentId.slice(0, 64)}` };
    const verified = this.toNotice(payment, { event });
    if (!verified) return { ok: false, reason: 'unknown_payment', message: `payment ${payment.id} carries no order_id of ours, or no ruble amount` };
    return { ok: true, notice: verified };
  }

  /** The fetched payment in the checkout's terms; undefined when it is not one of our orders. */
  private toNotice(payment: FetchedPayment, extra: Record<string, unknown>): VerifiedNotice | undefined {
    const amountKopecks = parseKopecks(payment.amountValue);
    if (payment.orderId === undefined || amountKopecks === undefined) return undefined;
    const outcome = payment.status === 'succeeded' ? 'paid' : payment.status === 'canceled' ? 'failed' : 'pending';
    const cancellation = asObject(payment.raw.cancellation_details);
    return {
      provider: 'yookassa',
      eventKey: payment.id,
      orderId: payment.orderId,
      amount: payment.amountValue,
      amountKopecks,
      currency: payment.currency,
      test: payment.test,
      outcome,
      detail: { ...extra, status: payment.status, paid: payment.raw.paid, cancellation: cancellation?.reason, refunded: asObject(payment.raw.refunded_amount)?.value },
    };
  }

  ack(): NoticeAck {
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: '' };
  }

  async lookup(order: ShopOrderRecord): Promise<VerifiedNotice | undefined> {
    if (!order.providerOrderId) return undefined;
    const payment = await this.fetchPayment(order.providerOrderId);
    return payment ? this.toNotice(payment, { source: 'lookup' }) : undefined;
  }

  async refund(_order: ShopOrderRecord, payment: { providerPaymentId: string; amount: string }): Promise<void> {
    const kopecks = parseKopecks(payment.amount);
    if (kopecks === undefined) throw new FailureError('refund_failed', `the payment amount "${payment.amount}" is not a ruble amount`);
    const answer = await this.call('POST', '/refunds', {
      json: { payment_id: payment.providerPaymentId, amount: { value: rublesText(kopecks), currency: 'RUB' } },
      // One refund per payment: a retried or repeated refund returns the first one.
      idempotenceKey: `refund-${payment.providerPaymentId}`,
    });
    const refund = asObject(answer.json);
    if (answer.status !== 200 || !refund) throw refused('refund the payment', answer, 'refund_failed');
    if (refund.status === 'canceled') {
      throw new FailureError('refund_failed', `YooKassa canceled the refund (${String(asObject(refund.cancellation_details)?.reason ?? 'no reason')}) — refund it in the YooKassa cabinet`);
    }
  }
}

/** A non-retryable YooKassa answer as an error naming its code and description. */
function refused(what: string, answer: HttpAnswer, code = 'provider_refused'): FailureError {
  const body = asObject(answer.json);
  const detail = [body?.code, body?.description].filter((v) => typeof v === 'string').join(': ');
  return new FailureError(code, `YooKassa refused to ${what} (HTTP ${answer.status}${detail ? `, ${detail}` : ''}) — check YOOKASSA_SHOP_ID/SECRET_KEY`);
}
