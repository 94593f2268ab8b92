/**
 * A fake Robokassa on 127.0.0.1:0: the payment page (`/Merchant/Index.aspx`, which checks
 * the pay link's password-#1 signature like the real one), its «Оплатить» button, the
 * ResultURL notification (form POST or GET, password #2, `OutSum` with 6 decimals as
 * Robokassa sends it), the SuccessURL/FailURL browser redirects, and the OpStateExt web
 * service. The shop's URLs and passwords are its "technical settings": pass them in, or
 * `setUrls` once the app listens.
 *
 * Test helpers: `pay(invId)` (as the button, without a browser), `notify(invId, {copies,
 * tamper})`, `noticeBody(invId)` (to inject by hand), `successQuery(invId)`.
 */
import type http from 'node:http';
import { noticeBase, opStateBase, payLinkBase, robokassaHash, shpPairs, signatureMatches, type RobokassaHash } from '../../src/payments/robokassa-sign.js';
import { parseKopecks } from '../../src/payments/money.js';
import { readBody, startHttpServer, type StartedServer } from './http.js';
import { deliverCopies, deliverNotice, FailureQueue, redirectBrowser, renderPayPage, sendHtml, type FakePaymentFailure, type NoticeDelivery, type NoticeReply } from './payment-kit.js';

/** The shop as Robokassa knows it. */
export interface FakeRobokassaOptions {
  login?: string;
  password1?: string;
  password2?: string;
  /** The test set (IsTest=1); unset → test payments are refused like Robokassa's error 23. */
  testPassword1?: string;
  testPassword2?: string;
  hash?: RobokassaHash;
  resultUrl?: string;
  successUrl?: string;
  failUrl?: string;
  /** How ResultURL is called (the shop's setting; default POST). */
  resultMethod?: 'POST' | 'GET';
}

/** An invoice opened through a pay link. */
export interface FakeRobokassaInvoice {
  invId: string;
  /** As the pay link gave it ("290.00"). */
  outSum: string;
  kopecks: number;
  description: string;
  culture: string;
  test: boolean;
  shp: [string, string][];
  state: 'opened' | 'paid' | 'cancelled';
}

/** How a notification is spoiled: a changed amount after signing, a wrong signature, the other mode's password, or any edit. */
export type RobokassaTamper = 'amount' | 'signature' | 'otherMode' | ((fields: URLSearchParams) => void);

/** The running fake and its control surface. */
export interface FakeRobokassaServer extends StartedServer {
  /** ROBOKASSA_URL for the app. */
  merchantUrl: string;
  invoices: Map<string, FakeRobokassaInvoice>;
  /** Every ResultURL delivery and the app's answer. */
  deliveries: NoticeDelivery[];
  /** Every OpStateExt request's query. */
  opStateCalls: URLSearchParams[];
  setUrls(urls: { resultUrl?: string; successUrl?: string; failUrl?: string }): void;
  /** The next OpStateExt call(s) fail or are slow. */
  failNext(failure: FakePaymentFailure, times?: number): void;
  /** Pays the invoice (as the button does) and delivers one notification. */
  pay(invId: string | number): Promise<NoticeReply>;
  /** Delivers the paid invoice's notification again: `copies` concurrent ones, optionally tampered. */
  notify(invId: string | number, options?: { copies?: number; tamper?: RobokassaTamper }): Promise<NoticeReply[]>;
  /** The notification's form fields as Robokassa would send them. */
  noticeBody(invId: string | number, options?: { tamper?: RobokassaTamper }): string;
  /** The SuccessURL query (password #1) for the invoice. */
  successQuery(invId: string | number): string;
}

/** Starts the fake. */
export async function startFakeRobokassa(options: FakeRobokassaOptions = {}): Promise<FakeRobokassaServer> {
  const login = options.login ?? 'ttops-shop';
  const hash = options.hash ?? 'md5';
  const live = { p1: options.password1 ?? 'live-pass-1', p2: options.password2 ?? 'live-pass-2' };
  const test = options.testPassword1 && options.testPassword2 ? { p1: options.testPassword1, p2: options.testPassword2 } : undefined;
  const urls = { resultUrl: options.resultUrl, successUrl: options.successUrl, failUrl: options.failUrl };
  const resultMethod = options.resultMethod ?? 'POST';
  const invoices = new Map<string, FakeRobokassaInvoice>();
  const deliveries: NoticeDelivery[] = [];
  const opStateCalls: URLSearchParams[] = [];
  const failures = new FailureQueue();

  const setOf = (isTest: boolean) => (isTest ? test : live);
  /** Robokassa states sums with 6 decimals in notifications and redirects. */
  const sixDecimals = (kopecks: number) => `${Math.trunc(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')}0000`;

  function invoiceOf(invId: string | number): FakeRobokassaInvoice {
    const inv = invoices.get(String(invId));
    if (!inv) throw new Error(`fake Robokassa: no invoice ${invId}`);
    return inv;
  }

  function noticeFields(inv: FakeRobokassaInvoice, tamper?: RobokassaTamper): URLSearchParams {
    const outSum = sixDecimals(inv.kopecks);
    const useTest = tamper === 'otherMode' ? !inv.test : inv.test;
    const set = setOf(useTest) ?? live;
    const fields = new URLSearchParams({ OutSum: outSum, InvId: inv.invId, Fee: '0.000000', EMail: 'buyer@example.com', PaymentMethod: 'BankCard', IncCurrLabel: 'BankCardPSR' });
    if (inv.test) fields.set('IsTest', '1');
    for (const [k, v] of inv.shp) fields.set(k, v);
    fields.set('SignatureValue', robokassaHash(noticeBase(outSum, inv.invId, set.p2, shpPairs(inv.shp)), hash));
    if (tamper === 'amount') fields.set('OutSum', sixDecimals(inv.kopecks + 100));
    else if (tamper === 'signature') fields.set('SignatureValue', '0'.repeat(fields.get('SignatureValue')!.length));
    else if (typeof tamper === 'function') tamper(fields);
    return fields;
  }

  function sendNotice(inv: FakeRobokassaInvoice, tamper?: RobokassaTamper): Promise<NoticeReply> {
    if (!urls.resultUrl) throw new Error('fake Robokassa: no resultUrl set');
    const body = noticeFields(inv, tamper).toString();
    if (resultMethod === 'GET') return deliverNotice(deliveries, inv.invId, `${urls.resultUrl}${urls.resultUrl.includes('?') ? '&' : '?'}${body}`, { method: 'GET' });
    return deliverNotice(deliveries, inv.invId, urls.resultUrl, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  function successQuery(inv: FakeRobokassaInvoice): string {
    const outSum = sixDecimals(inv.kopecks);
    const set = setOf(inv.test) ?? live;
    const q = new URLSearchParams({ OutSum: outSum, InvId: inv.invId, SignatureValue: robokassaHash(noticeBase(outSum, inv.invId, set.p1, shpPairs(inv.shp)), hash), Culture: inv.culture });
    if (inv.test) q.set('IsTest', '1');
    for (const [k, v] of inv.shp) q.set(k, v);
    return q.toString();
  }

  const withQuery = (base: string | undefined, query: string) => (base ? `${base}${base.includes('?') ? '&' : '?'}${query}` : undefined);

  /** The pay link: Robokassa checks it and shows its page, or an error page. */
  function openInvoice(res: http.ServerResponse, q: URLSearchParams): void {
    const outSum = q.get('OutSum') ?? '';
    const invId = q.get('InvId') ?? '';
    const isTest = q.get('IsTest') === '1';
    const set = setOf(isTest);
    const kopecks = parseKopecks(outSum);
    if (q.get('MerchantLogin') !== login) return sendHtml(res, 400, '<p id="error">Код ошибки 26: магазин не найден</p>');
    if (!set) return sendHtml(res, 400, '<p id="error">Код ошибки 23: у магазина нет тестовых паролей</p>');
    if (kopecks === undefined || !/^\d+$/.test(invId)) return sendHtml(res, 400, '<p id="error">Неверные параметры</p>');
    const shp = [...q].filter(([k]) => /^shp_/i.test(k));
    const expected = robokassaHash(payLinkBase(login, outSum, invId, set.p1, shpPairs(shp)), hash);
    if (!signatureMatches(q.get('SignatureValue') ?? '', expected)) return sendHtml(res, 400, '<p id="error">Код ошибки 29: неверная подпись (SignatureValue)</p>');
    const existing = invoices.get(invId);
    if (existing && existing.kopecks !== kopecks) return sendHtml(res, 400, '<p id="error">Счёт с этим номером уже выставлен на другую сумму</p>');
    const inv = existing ?? { invId, outSum, kopecks, description: q.get('Description') ?? '', culture: q.get('Culture') ?? 'ru', test: isTest, shp, state: 'opened' as const };
    invoices.set(invId, inv);
    if (inv.state !== 'opened') return sendHtml(res, 200, `<p id="state">${inv.state === 'paid' ? 'Счёт уже оплачен' : 'Счёт отменён'}</p>`);
    sendHtml(res, 200, renderPayPage({ provider: 'Robokassa', amountText: outSum, description: inv.description, payAction: `/pay/${invId}`, cancelAction: `/cancel/${invId}`, test: isTest }));
  }

  function opState(res: http.ServerResponse, q: URLSearchParams): void {
    opStateCalls.push(q);
    const invId = q.get('InvoiceID') ?? '';
    const set = setOf(q.get('IsTest') === '1');
    const xml = (inner: string) => {
      const text = `<?xml version="1.0" encoding="utf-8"?>\n<OperationStateResponse xmlns="http://merchant.roboxchange.com/WebService/">${inner}</OperationStateResponse>`;
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
      res.end(text);
    };
    if (q.get('MerchantLogin') !== login || !set || !signatureMatches(q.get('Signature') ?? '', robokassaHash(opStateBase(login, invId, set.p2), hash))) {
      return xml('<Result><Code>1</Code><Description>Неверная цифровая подпись запроса</Description></Result>');
    }
    const inv = invoices.get(invId);
    if (!inv) return xml('<Result><Code>3</Code><Description>Информация об операции с таким InvoiceID не найдена</Description></Result>');
    const code = inv.state === 'paid' ? 100 : inv.state === 'cancelled' ? 10 : 5;
    const now = new Date().toISOString();
    xml(`<Result><Code>0</Code></Result><State><Code>${code}</Code><RequestDate>${now}</RequestDate><StateDate>${now}</StateDate></State><Info><IncCurrLabel>BankCardPSR</IncCurrLabel><IncSum>${sixDecimals(inv.kopecks)}</IncSum><PaymentMethod><Code>BankCard</Code></PaymentMethod><OutCurrLabel>RUR</OutCurrLabel><OutSum>${sixDecimals(inv.kopecks)}</OutSum></Info>`);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const path = url.pathname;
    if (path === '/Merchant/Index.aspx') {
      const q = req.method === 'POST' ? new URLSearchParams(raw.toString('utf8')) : url.searchParams;
      return openInvoice(res, q);
    }
    if (path === '/Merchant/WebService/Service.asmx/OpStateExt') {
      if (await failures.apply(res)) return;
      return opState(res, url.searchParams);
    }
    const action = /^\/(pay|cancel)\/(\d+)$/.exec(path);
    if (action && req.method === 'POST') {
      const inv = invoices.get(action[2]);
      if (!inv) return sendHtml(res, 404, '<p id="error">Счёт не найден</p>');
      if (action[1] === 'pay') {
        if (inv.state === 'opened') {
          inv.state = 'paid';
          if (urls.resultUrl) await sendNotice(inv);
        }
        return redirectBrowser(res, withQuery(urls.successUrl, successQuery(inv)), 'Оплачено');
      }
      if (inv.state === 'opened') inv.state = 'cancelled';
      // FailURL carries no signature (as Robokassa's own demo fail.php reads it).
      return redirectBrowser(res, withQuery(urls.failUrl, new URLSearchParams({ OutSum: sixDecimals(inv.kopecks), InvId: inv.invId, Culture: inv.culture }).toString()), 'Оплата отменена');
    }
    sendHtml(res, 404, '<p>not found</p>');
  }

  const started = await startHttpServer(handle);
  return {
    ...started,
    merchantUrl: `${started.url}/Merchant/Index.aspx`,
    invoices,
    deliveries,
    opStateCalls,
    setUrls(next) {
      Object.assign(urls, Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)));
    },
    failNext(failure, times) {
      failures.push(failure, times);
    },
    async pay(invId) {
      const inv = invoiceOf(invId);
      inv.state = 'paid';
      return sendNotice(inv);
    },
    notify(invId, opts = {}) {
      const inv = invoiceOf(invId);
      return deliverCopies(opts.copies ?? 1, () => sendNotice(inv, opts.tamper));
    },
    noticeBody(invId, opts = {}) {
      return noticeFields(invoiceOf(invId), opts.tamper).toString();
    },
    successQuery(invId) {
      return successQuery(invoiceOf(invId));
    },
  };
}
