/**
 * WATA: payment links over its H2H API (Bearer token), and webhooks signed with
 * `X-Signature` = base64 RSA-SHA512 (PKCS#1 v1.5) over the raw body, checked with WATA's
 * public key (wata-keys.ts). The sandbox API's orders are test orders.
 *
 * Not confirmed against WATA's docs: lookup searches `GET /transactions?orderId=` (WATA's
 * transaction search), and refunds are left to the cabinet (`refund_manual`).
 */
import { constants, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { Config } from '../config/load.js';
import { ConfigError, FailureError } from '../errors.js';
import { asObject, type HttpAnswer } from '../jobs/providers/http.js';
import type { ShopOrderRecord } from '../store/order-types.js';
import { parseRubleValue } from './money.js';
import { callProvider, DEFAULT_RETRY_DELAYS_MS } from './provider-http.js';
import type { CheckoutLink, CheckoutRequest, IncomingNotice, NoticeAck, PaymentProvider, VerifiedNotice, VerifyResult } from './types.js';
import { sharedWataKeys, type WataKeyCache } from './wata-keys.js';

/** The WATA_* settings as config.payments.wata holds them. */
export type WataSettings = Config['payments']['wata'];

/** Options for tests: a private key cache, HTTP deadline and retry waits. */
export interface WataOptions {
  keys?: WataKeyCache;
  timeoutMs?: number;
  retryDelaysMs?: readonly number[];
}

/** The WATA provider. */
export class WataProvider implements PaymentProvider {
  readonly name = 'wata' as const;
  /** The sandbox host (api-sandbox.wata.pro) makes test payments. */
  readonly test: boolean;
  private readonly keys: WataKeyCache;

  constructor(
    private readonly settings: WataSettings,
    private readonly options: WataOptions = {},
  ) {
    this.test = new URL(settings.apiUrl).hostname.includes('sandbox');
    this.keys = options.keys ?? sharedWataKeys;
  }

  private call(method: 'GET' | 'POST', path: string, json?: unknown): Promise<HttpAnswer> {
    if (!this.settings.token) throw new ConfigError('WATA is off — set WATA_TOKEN', { code: 'wata_not_configured' });
    return callProvider(
      { url: `${this.settings.apiUrl}${path}`, method, headers: { authorization: `Bearer ${this.settings.token}` }, json, timeoutMs: this.options.timeoutMs ?? 15_000 },
      // WATA takes no idempotence key: a POST is resent only if it never left.
      { delaysMs: this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, idempotent: method === 'GET', provider: 'WATA' },
    );
  }

  async createCheckout(request: CheckoutRequest): Promise<CheckoutLink> {
    const answer = await this.call('POST', '/links', {
      amount: request.amount / 100,
      currency: 'RUB',
      description: request.description,
      orderId: String(request.orderId),
      successRedirectUrl: request.returnUrl,
      failRedirectUrl: request.returnUrl,
      expirationDateTime: request.expiresAt,
    });
    const link = asObject(answer.json);
    if (answer.status !== 200 || !link) throw refused('create the payment link', answer);
    if (typeof link.id !== 'string' || typeof link.url !== 'string') throw new FailureError('provider_malformed', 'WATA answered without a link id or url — try again');
    return { payUrl: link.url, providerOrderId: link.id, test: this.test };
  }

  async verify(notice: IncomingNotice): Promise<VerifyResult> {
    const header = notice.headers['x-signature'];
    const signatureText = Array.isArray(header) ? header[0] : header;
    if (!signatureText) return { ok: false, reason: 'bad_signature', message: 'the X-Signature header is missing' };
    const signature = Buffer.from(signatureText, 'base64');
    const key = await this.keys.current(this.settings.apiUrl);
    if (!signedBy(key, notice.rawBody, signature)) {
      const fresh = await this.keys.refreshed(this.settings.apiUrl, key);
      if (!fresh || !signedBy(fresh, notice.rawBody, signature)) return { ok: false, reason: 'bad_signature', message: "X-Signature does not verify with WATA's public key" };
    }
    let body: Record<string, unknown> | undefined;
    try {
      body = asObject(JSON.parse(notice.rawBody.toString('utf8')));
    } catch {
      body = undefined;
    }
    if (!body) return { ok: false, reason: 'malformed', message: 'the body is not a JSON object' };
    const verified = this.toNotice(body, { source: 'webhook' });
    return typeof verified === 'string' ? { ok: false, reason: 'malformed', message: verified } : { ok: true, notice: verified };
  }

  /** A WATA transaction (webhook body or search item) in the checkout's terms, or why not. */
  private toNotice(tx: Record<string, unknown>, extra: Record<string, unknown>): VerifiedNotice | string {
    const { transactionId, transactionStatus, orderId, currency } = tx;
    if (typeof transactionId !== 'string' || !transactionId) return 'transactionId is missing';
    if (typeof transactionStatus !== 'string') return 'transactionStatus is missing';
    const orderText = typeof orderId === 'number' ? String(orderId) : orderId;
    if (typeof orderText !== 'string' || !/^[1-9]\d{0,15}$/.test(orderText)) return 'orderId is not one of our order numbers';
    const amountKopecks = parseRubleValue(tx.amount);
    if (amountKopecks === undefined) return 'amount is not a ruble amount with at most 2 decimals';
    return {
      provider: 'wata',
      eventKey: transactionId,
      orderId: Number(orderText),
      amount: String(tx.amount),
      amountKopecks,
      currency: typeof currency === 'string' ? currency : '',
      test: this.test,
      outcome: transactionStatus === 'Paid' ? 'paid' : transactionStatus === 'Declined' ? 'failed' : 'pending',
      detail: { ...extra, transactionStatus, transactionType: tx.transactionType, errorCode: tx.errorCode ?? undefined, paymentTime: tx.paymentTime, paymentLinkId: tx.paymentLinkId ?? tx.id },
    };
  }

  ack(): NoticeAck {
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: '' };
  }

  /** Searches WATA's transactions by our order id: a Paid one wins, then a Declined one, else pending. */
  async lookup(order: ShopOrderRecord): Promise<VerifiedNotice | undefined> {
    const answer = await this.call('GET', `/transactions?orderId=${encodeURIComponent(String(order.id))}`);
    const items = asObject(answer.json)?.items;
    if (answer.status !== 200 || !Array.isArray(items)) throw refused('search transactions', answer);
    const notices = items.map((item) => asObject(item)).filter((item) => item !== undefined).map((item) => this.toNotice(item, { source: 'lookup' }));
    const usable = notices.filter((n): n is VerifiedNotice => typeof n !== 'string' && n.orderId === order.id);
    return usable.find((n) => n.outcome === 'paid') ?? usable.find((n) => n.outcome === 'failed') ?? usable[0];
  }

  async refund(_order: ShopOrderRecord, _payment: { providerPaymentId: string; amount: string }): Promise<void> {
    throw new FailureError('refund_manual', 'WATA refunds are made in the WATA merchant cabinet; refund it there, then record it here');
  }
}

function signedBy(key: KeyObject, body: Buffer, signature: Buffer): boolean {
  try {
    return verifySignature('sha512', body, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
}

function refused(what: string, answer: HttpAnswer): FailureError {
  const body = asObject(answer.json);
  const detail = typeof body?.message === 'string' ? `, ${body.message}` : '';
  return new FailureError('provider_refused', `WATA refused to ${what} (HTTP ${answer.status}${detail}) — check WATA_TOKEN and WATA_API_URL`);
}
