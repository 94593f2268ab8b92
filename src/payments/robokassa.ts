/**
 * Robokassa: a signed pay link (password #1), the ResultURL notification checked with
 * password #2 over `OutSum` exactly as received, `OK{InvId}` as the answer, and the
 * OpStateExt web service for reconciliation. Test and live passwords are separate sets:
 * `IsTest=1` in a notice selects the test set, and which set authenticated it decides
 * `notice.test` — a live password never authenticates a test notice, nor the reverse.
 */
import type { Config } from '../config/load.js';
import { ConfigError, FailureError } from '../errors.js';
import { makeIpAllowlist, type IpAllowlist } from './ip-allowlist.js';
import { parseKopecks, rublesText } from './money.js';
import { callProvider, DEFAULT_RETRY_DELAYS_MS } from './provider-http.js';
import { noticeBase, opStateBase, payLinkBase, robokassaHash, shpPairs, signatureMatches } from './robokassa-sign.js';
import type { ShopOrderRecord } from '../store/order-types.js';
import type { CheckoutLink, CheckoutRequest, IncomingNotice, NoticeAck, PaymentProvider, VerifiedNotice, VerifyResult } from './types.js';

/** The ROBOKASSA_* settings as config.payments.robokassa holds them. */
export type RobokassaSettings = Config['payments']['robokassa'];

/** Password #1 (pay links, SuccessURL) and #2 (ResultURL, OpStateExt) of one mode. */
export interface RobokassaPasswords {
  password1: string;
  password2: string;
}

/**
 * The live and test sets. With ROBOKASSA_IS_TEST and no ROBOKASSA_TEST_PASSWORD_*, the
 * PASSWORD_1/_2 pair is the test set and there is no live set (a shop still in test).
 */
export function robokassaPasswordSets(s: RobokassaSettings): { live?: RobokassaPasswords; test?: RobokassaPasswords } {
  const main = s.password1 && s.password2 ? { password1: s.password1, password2: s.password2 } : undefined;
  const testSet = s.testPassword1 && s.testPassword2 ? { password1: s.testPassword1, password2: s.testPassword2 } : undefined;
  if (s.isTest && !testSet) return { test: main };
  return { live: main, test: testSet };
}

/** Whether the settings can make pay links in the configured mode. */
export function robokassaUsable(s: RobokassaSettings): boolean {
  const sets = robokassaPasswordSets(s);
  return Boolean(s.login && (s.isTest ? sets.test : sets.live));
}

/** A SuccessURL redirect, checked: which order it names. */
export type ReturnCheck = { ok: true; orderId: number; test: boolean } | { ok: false; reason: 'bad_signature' | 'malformed'; message: string };

/** The fields every signed Robokassa request carries, or why they are unusable. */
function signedFields(fields: URLSearchParams): { ok: true; outSum: string; invId: string; signature: string; orderId: number } | { ok: false; reason: 'malformed'; message: string } {
  const outSum = fields.get('OutSum');
  const invId = fields.get('InvId');
  const signature = fields.get('SignatureValue');
  if (!outSum || !invId || !signature) return { ok: false, reason: 'malformed', message: 'OutSum, InvId and SignatureValue are required' };
  const orderId = parseInvId(invId);
  if (orderId === undefined) return { ok: false, reason: 'malformed', message: 'InvId is not an order number' };
  return { ok: true, outSum, invId, signature, orderId };
}

/**
 * Checks a SuccessURL (or signed FailURL) redirect: `OutSum:InvId:Password1[:Shp…]`
 * with either mode's password #1. The redirect only shows a page, so which mode does not matter.
 */
export function verifyRobokassaReturn(s: RobokassaSettings, fields: URLSearchParams): ReturnCheck {
  const signed = signedFields(fields);
  if (!signed.ok) return signed;
  const { outSum, invId, signature, orderId } = signed;
  const sets = robokassaPasswordSets(s);
  const shp = shpPairs(fields);
  for (const [mode, set] of [['live', sets.live], ['test', sets.test]] as const) {
    if (set && signatureMatches(signature, robokassaHash(noticeBase(outSum, invId, set.password1, shp), s.hash))) return { ok: true, orderId, test: mode === 'test' };
  }
  return { ok: false, reason: 'bad_signature', message: 'the redirect signature does not match password #1' };
}

/** Options for tests: HTTP deadline and retry waits of the web service. */
export interface RobokassaOptions {
  timeoutMs?: number;
  retryDelaysMs?: readonly number[];
}

/** The Robokassa provider. */
export class RobokassaProvider implements PaymentProvider {
  readonly name = 'robokassa' as const;
  readonly test: boolean;
  private readonly sets: ReturnType<typeof robokassaPasswordSets>;
  private readonly allowed: IpAllowlist | undefined;

  constructor(
    private readonly settings: RobokassaSettings,
    private readonly options: RobokassaOptions = {},
  ) {
    this.test = settings.isTest;
    this.sets = robokassaPasswordSets(settings);
    this.allowed = makeIpAllowlist(settings.allowedIps, 'ROBOKASSA_ALLOWED_IPS');
  }

  private setFor(test: boolean): RobokassaPasswords {
    const set = test ? this.sets.test : this.sets.live;
    if (!set || !this.settings.login) {
      throw new ConfigError(`Robokassa has no ${test ? 'test' : 'live'} passwords — set ROBOKASSA_MERCHANT_LOGIN and ${test ? 'ROBOKASSA_TEST_PASSWORD_1/_2' : 'ROBOKASSA_PASSWORD_1/_2'}`, { code: 'robokassa_not_configured' });
    }
    return set;
  }

  async createCheckout(request: CheckoutRequest): Promise<CheckoutLink> {
    const set = this.setFor(this.test);
    const outSum = rublesText(request.amount);
    const invId = String(request.orderId);
    const shp: [string, string][] = [['Shp_lang', request.lang]];
    const url = new URL(this.settings.url);
    const q = url.searchParams;
    q.set('MerchantLogin', this.settings.login!);
    q.set('OutSum', outSum);
    q.set('InvId', invId);
    q.set('Description', request.description.slice(0, 100));
    q.set('SignatureValue', robokassaHash(payLinkBase(this.settings.login!, outSum, invId, set.password1, shpPairs(shp)), this.settings.hash));
    q.set('Culture', request.lang);
    q.set('Encoding', 'utf-8');
    if (this.test) q.set('IsTest', '1');
    for (const [key, value] of shp) q.set(key, value);
    return { payUrl: url.toString(), test: this.test };
  }

  async verify(notice: IncomingNotice): Promise<VerifyResult> {
    if (this.allowed && !this.allowed(notice.ip)) return { ok: false, reason: 'forbidden_ip', message: `ResultURL calls are not accepted from ${notice.ip}` };
    const fields = noticeFields(notice);
    if (!fields) return { ok: false, reason: 'malformed', message: 'send the notification form-urlencoded (POST) or in the query string (GET)' };
    const signed = signedFields(fields);
    if (!signed.ok) return signed;
    const { outSum, invId, signature, orderId } = signed;
    const amountKopecks = parseKopecks(outSum);
    if (amountKopecks === undefined) return { ok: false, reason: 'malformed', message: 'OutSum is not a ruble amount with at most 2 non-zero decimals' };
    // IsTest=1 → only the test set. Otherwise the live set; a shop with only a test set
    // checks with that (the notice is then a test one: nothing live could have signed it).
    const claimsTest = fields.get('IsTest') === '1';
    const set = claimsTest ? this.sets.test : (this.sets.live ?? this.sets.test);
    if (!set) return { ok: false, reason: 'bad_signature', message: claimsTest ? 'a test notification, but no test passwords are configured' : 'no live passwords are configured' };
    const expected = robokassaHash(noticeBase(outSum, invId, set.password2, shpPairs(fields)), this.settings.hash);
    if (!signatureMatches(signature, expected)) return { ok: false, reason: 'bad_signature', message: 'SignatureValue does not match password #2' };
    const shp = Object.fromEntries([...fields].filter(([k]) => /^shp_/i.test(k)));
    return {
      ok: true,
      notice: {
        provider: 'robokassa',
        eventKey: invId,
        orderId,
        amount: outSum,
        amountKopecks,
        currency: 'RUB',
        test: set === this.sets.test,
        outcome: 'paid',
        detail: { OutSum: outSum, InvId: invId, Fee: fields.get('Fee') ?? undefined, PaymentMethod: fields.get('PaymentMethod') ?? undefined, IncCurrLabel: fields.get('IncCurrLabel') ?? undefined, IsTest: fields.get('IsTest') ?? undefined, shp },
      },
    };
  }

  ack(notice: VerifiedNotice): NoticeAck {
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: `OK${notice.eventKey}` };
  }

  /** SuccessURL/FailURL redirect check (password #1). */
  verifyReturn(fields: URLSearchParams): ReturnCheck {
    return verifyRobokassaReturn(this.settings, fields);
  }

  async lookup(order: ShopOrderRecord): Promise<VerifiedNotice | undefined> {
    const set = order.test ? this.sets.test : this.sets.live;
    if (!set || !this.settings.login) return undefined;
    const invId = String(order.id);
    const url = new URL('/Merchant/WebService/Service.asmx/OpStateExt', this.settings.url);
    url.searchParams.set('MerchantLogin', this.settings.login);
    url.searchParams.set('InvoiceID', invId);
    url.searchParams.set('Signature', robokassaHash(opStateBase(this.settings.login, invId, set.password2), this.settings.hash));
    if (order.test) url.searchParams.set('IsTest', '1');
    const answer = await callProvider(
      { url: url.toString(), method: 'GET', headers: { accept: 'application/xml, text/xml' }, timeoutMs: this.options.timeoutMs ?? 15_000 },
      { delaysMs: this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS, idempotent: true, provider: 'Robokassa' },
    );
    if (answer.status !== 200) throw new FailureError('provider_refused', `Robokassa OpStateExt answered HTTP ${answer.status} — check ROBOKASSA_URL`);
    const state = parseOpState(answer.text);
    if (state.resultCode === 3) return undefined; // Robokassa has no such invoice (never opened)
    if (state.resultCode !== 0) throw new FailureError('provider_refused', `Robokassa OpStateExt refused (code ${state.resultCode}: ${state.description || 'no description'}) — check the login, password #2 and ROBOKASSA_HASH`);
    const outcome = state.stateCode === 100 ? 'paid' : state.stateCode === 10 || state.stateCode === 60 ? 'failed' : 'pending';
    const outSum = state.outSum ?? (outcome === 'paid' ? undefined : rublesText(order.amount));
    const amountKopecks = outSum === undefined ? undefined : parseKopecks(outSum);
    if (outSum === undefined || amountKopecks === undefined) throw new FailureError('provider_malformed', `Robokassa OpStateExt gave no usable OutSum for invoice ${invId}`);
    return { provider: 'robokassa', eventKey: invId, orderId: order.id, amount: outSum, amountKopecks, currency: 'RUB', test: order.test, outcome, detail: { source: 'OpStateExt', state: state.stateCode } };
  }

  async refund(_order: ShopOrderRecord, _payment: { providerPaymentId: string; amount: string }): Promise<void> {
    throw new FailureError('refund_manual', 'Robokassa refunds are made in the Robokassa merchant cabinet (operations → refund); refund it there, then record it here');
  }
}

/** An InvId as our order id: a positive safe integer without leading zeros. */
function parseInvId(text: string): number | undefined {
  if (!/^[1-9]\d{0,15}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The notice's fields: the form body of a POST, the query of a GET. */
function noticeFields(notice: IncomingNotice): URLSearchParams | undefined {
  if (notice.rawBody.length > 0) {
    const type = (notice.contentType ?? '').toLowerCase();
    if (type && !type.startsWith('application/x-www-form-urlencoded')) return undefined;
    return new URLSearchParams(notice.rawBody.toString('utf8'));
  }
  return new URLSearchParams(notice.query ?? {});
}

/** The few OpStateExt fields used: Result/Code, Result/Description, State/Code, Info/OutSum. */
export function parseOpState(xml: string): { resultCode: number; description: string; stateCode?: number; outSum?: string } {
  const inner = (tag: string, within = xml) => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(within)?.[1];
  const result = inner('Result') ?? '';
  const state = inner('State');
  const info = inner('Info');
  const code = inner('Code', result);
  return {
    resultCode: code === undefined ? -1 : Number(code.trim()),
    description: (inner('Description', result) ?? '').trim(),
    stateCode: state === undefined ? undefined : Number(inner('Code', state)?.trim()),
    outSum: info === undefined ? undefined : inner('OutSum', info)?.trim(),
  };
}
