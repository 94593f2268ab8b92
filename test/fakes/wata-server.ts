/**
 * A fake WATA H2H API on 127.0.0.1:0 (base `/api/h2h`): Bearer auth, `POST /links`,
 * `GET /links/{id}`, `GET /transactions/{id}`, `GET /transactions?orderId=`, and
 * `GET /public-key` serving the PEM of its own RSA key pair (generated at start; `rotateKey`
 * makes a new one). Its pay page's «Оплатить» creates a Paid transaction, POSTs the webhook
 * signed `X-Signature` = base64 RSA-SHA512 over the raw body, and redirects (303) to the
 * link's successRedirectUrl («Отказаться»: a Declined one, then failRedirectUrl).
 *
 * Test helpers: `pay(linkId)`, `decline(linkId)`, `notify(transactionId, {copies, tamper,
 * signWith})`, `webhook(transactionId)` ({body, signature} to inject by hand), `sign(body)`.
 */
import { generateKeyPairSync, randomUUID, sign as rsaSign, type KeyObject } from 'node:crypto';
import type http from 'node:http';
import { readBody, sendJson, startHttpServer, type StartedServer } from './http.js';
import { deliverCopies, deliverNotice, FailureQueue, redirectBrowser, renderPayPage, sendHtml, type FakePaymentFailure, type NoticeDelivery, type NoticeReply } from './payment-kit.js';

/** Options for `startFakeWata`. */
export interface FakeWataOptions {
  token?: string;
  /** Where webhooks go (set in WATA's cabinet). */
  notifyUrl?: string;
}

/** A transaction the fake made when a link was paid or declined. */
export interface FakeWataTransaction {
  transactionType: string;
  transactionId: string;
  transactionStatus: 'Paid' | 'Declined';
  errorCode: string | null;
  errorDescription: string | null;
  terminalName: string;
  terminalPublicId: string;
  amount: number;
  currency: string;
  orderId: string | null;
  orderDescription: string | null;
  paymentLinkId: string;
  paymentTime: string;
  commission: number;
  email: string | null;
}

/**
 * How a webhook is spoiled: `amount` changes the body after signing, `body` edits the
 * parsed body after signing; `signWith` picks the key: `previous` (before the last
 * rotation), `forged` (a key WATA never had).
 */
export interface WataNotifyOptions {
  copies?: number;
  tamper?: 'amount' | ((body: Record<string, unknown>) => void);
  signWith?: 'current' | 'previous' | 'forged';
}

/** The running fake and its control surface. */
export interface FakeWataServer extends StartedServer {
  /** WATA_API_URL for the app. */
  apiUrl: string;
  token: string;
  links: Map<string, Record<string, unknown>>;
  transactions: Map<string, FakeWataTransaction>;
  deliveries: NoticeDelivery[];
  /** How many times `/public-key` was fetched. */
  keyFetches(): number;
  /** A new key pair; `/public-key` serves the new one, webhooks are signed with it. */
  rotateKey(): void;
  setNotifyUrl(url: string): void;
  /** The next API call(s) (not /public-key) fail, hang or are slow. */
  failNext(failure: FakePaymentFailure, times?: number): void;
  /** Pays the link: a Paid transaction and its webhook; resolves with the app's answer and the transaction. */
  pay(linkId: string): Promise<NoticeReply & { transaction: FakeWataTransaction }>;
  decline(linkId: string): Promise<NoticeReply & { transaction: FakeWataTransaction }>;
  notify(transactionId: string, options?: WataNotifyOptions): Promise<NoticeReply[]>;
  /** The webhook body and its signature, as WATA would send them. */
  webhook(transactionId: string, options?: Omit<WataNotifyOptions, 'copies'>): { body: string; signature: string };
  /** Signs bytes with the current key. */
  sign(body: string | Buffer): string;
}

const newKeyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });

/** Starts the fake. */
export async function startFakeWata(options: FakeWataOptions = {}): Promise<FakeWataServer> {
  const token = options.token ?? 'wata-fake-token';
  let notifyUrl = options.notifyUrl;
  let keys = newKeyPair();
  let previous: KeyObject | undefined;
  let forged: KeyObject | undefined;
  let keyFetches = 0;
  const links = new Map<string, Record<string, unknown>>();
  const transactions = new Map<string, FakeWataTransaction>();
  const deliveries: NoticeDelivery[] = [];
  const failures = new FailureQueue();
  let baseUrl = '';

  const sign = (body: string | Buffer, key: KeyObject = keys.privateKey) => rsaSign('sha512', Buffer.from(body), key).toString('base64');

  function webhook(transactionId: string, opts: Omit<WataNotifyOptions, 'copies'> = {}): { body: string; signature: string } {
    const tx = transactions.get(transactionId);
    if (!tx) throw new Error(`fake WATA: no transaction ${transactionId}`);
    const signed = JSON.stringify(tx);
    const key = opts.signWith === 'previous' ? previous : opts.signWith === 'forged' ? (forged ??= newKeyPair().privateKey) : keys.privateKey;
    if (!key) throw new Error('fake WATA: no previous key (rotateKey first)');
    const signature = sign(signed, key);
    let body = signed;
    if (opts.tamper) {
      const parsed = JSON.parse(signed) as Record<string, unknown>;
      if (opts.tamper === 'amount') parsed.amount = Number(parsed.amount) + 1;
      else opts.tamper(parsed);
      body = JSON.stringify(parsed);
    }
    return { body, signature };
  }

  function sendWebhook(transactionId: string, opts: Omit<WataNotifyOptions, 'copies'> = {}): Promise<NoticeReply> {
    if (!notifyUrl) throw new Error('fake WATA: no notifyUrl set');
    const { body, signature } = webhook(transactionId, opts);
    return deliverNotice(deliveries, transactionId, notifyUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-signature': signature } });
  }

  function settle(linkId: string, status: 'Paid' | 'Declined'): FakeWataTransaction {
    const link = links.get(linkId);
    if (!link) throw new Error(`fake WATA: no link ${linkId}`);
    const tx: FakeWataTransaction = {
      transactionType: 'CardCrypto',
      transactionId: randomUUID(),
      transactionStatus: status,
      errorCode: status === 'Declined' ? 'InsufficientFunds' : null,
      errorDescription: status === 'Declined' ? 'Недостаточно средств' : null,
      terminalName: 'ttops-fake',
      terminalPublicId: '3a16a4f0-0000-0000-0000-000000000001',
      amount: link.amount as number,
      currency: link.currency as string,
      orderId: (link.orderId as string | undefined) ?? null,
      orderDescription: (link.description as string | undefined) ?? null,
      paymentLinkId: linkId,
      paymentTime: new Date().toISOString(),
      commission: 0,
      email: null,
    };
    transactions.set(tx.transactionId, tx);
    if (status === 'Paid') link.status = 'Closed';
    return tx;
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: Buffer): Promise<void> {
    const path = url.pathname.slice('/api/h2h'.length);
    if (req.method === 'GET' && path === '/public-key') {
      keyFetches++;
      return sendJson(res, 200, { value: keys.publicKey.export({ type: 'spki', format: 'pem' }) });
    }
    if (req.headers.authorization !== `Bearer ${token}`) return sendJson(res, 401, { code: 'Unauthorized', message: 'Bearer token required' });
    if (await failures.apply(res)) return;
    if (req.method === 'POST' && path === '/links') {
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
      if (typeof body.amount !== 'number' || body.amount <= 0 || body.currency !== 'RUB') return sendJson(res, 400, { code: 'Validation', message: 'amount (number > 0) and currency RUB are required' });
      const id = randomUUID();
      const link = { id, url: `${baseUrl}/pay/${id}`, status: 'Opened', creationTime: new Date().toISOString(), ...body };
      links.set(id, link);
      return sendJson(res, 200, link);
    }
    const link = /^\/links\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && link) {
      const found = links.get(link[1]);
      return found ? sendJson(res, 200, found) : sendJson(res, 404, { code: 'NotFound', message: 'link not found' });
    }
    const tx = /^\/transactions\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && tx) {
      const found = transactions.get(tx[1]);
      return found ? sendJson(res, 200, found) : sendJson(res, 404, { code: 'NotFound', message: 'transaction not found' });
    }
    if (req.method === 'GET' && path === '/transactions') {
      const orderId = url.searchParams.get('orderId');
      const items = [...transactions.values()].filter((t) => orderId === null || t.orderId === orderId);
      return sendJson(res, 200, { items, totalCount: items.length });
    }
    sendJson(res, 404, { code: 'NotFound', message: `no ${req.method} ${path}` });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    if (url.pathname.startsWith('/api/h2h/')) return api(req, res, url, raw);
    const page = /^\/(pay|decline)\/([^/]+)$/.exec(url.pathname);
    const link = page ? links.get(page[2]) : undefined;
    if (!page || !link) return sendHtml(res, 404, '<p id="error">ссылка не найдена</p>');
    if (req.method === 'GET' && page[1] === 'pay') {
      if (link.status !== 'Opened') return sendHtml(res, 200, '<p id="state">Ссылка уже оплачена</p>');
      return sendHtml(res, 200, renderPayPage({ provider: 'WATA', amountText: String(link.amount), description: String(link.description ?? ''), payAction: `/pay/${page[2]}`, cancelAction: `/decline/${page[2]}` }));
    }
    if (req.method !== 'POST') return sendHtml(res, 405, '<p>POST</p>');
    const paid = page[1] === 'pay';
    if (link.status === 'Opened') {
      const tx = settle(page[2], paid ? 'Paid' : 'Declined');
      if (notifyUrl) await sendWebhook(tx.transactionId);
    }
    redirectBrowser(res, (paid ? link.successRedirectUrl : link.failRedirectUrl) as string | undefined, paid ? 'Оплачено' : 'Оплата отклонена');
  }

  const started = await startHttpServer(handle);
  baseUrl = started.url;
  return {
    ...started,
    apiUrl: `${started.url}/api/h2h`,
    token,
    links,
    transactions,
    deliveries,
    keyFetches: () => keyFetches,
    rotateKey() {
      previous = keys.privateKey;
      keys = newKeyPair();
    },
    setNotifyUrl(url) {
      notifyUrl = url;
    },
    failNext(failure, times) {
      failures.push(failure, times);
    },
    async pay(linkId) {
      const transaction = settle(linkId, 'Paid');
      return { ...(await sendWebhook(transaction.transactionId)), transaction };
    },
    async decline(linkId) {
      const transaction = settle(linkId, 'Declined');
      return { ...(await sendWebhook(transaction.transactionId)), transaction };
    },
    notify(transactionId, opts = {}) {
      return deliverCopies(opts.copies ?? 1, () => sendWebhook(transactionId, opts));
    },
    webhook,
    sign: (body) => sign(body),
  };
}
