/**
 * The payment routes through Fastify with a recording `handle`: acknowledgements per
 * provider (also on a replay), refusals as 400/403 in the API error shape with nothing
 * handled, 404 for a disabled provider, 503 when recording or verifying fails, the raw
 * body reaching the provider byte for byte, the body limit, the rate-limit exemption,
 * Robokassa's browser redirects, and real HTTP from the fakes' pay pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { installErrorHandlers } from '../../src/api/errors.js';
import { refuseHostileInput } from '../../src/api/input-guard.js';
import { paymentRoutes } from '../../src/api/routes/payments.js';
import { errorBodySchema } from '../../src/api/schemas.js';
import { RobokassaProvider } from '../../src/payments/robokassa.js';
import type { IncomingNotice, PaymentProvider, VerifiedNotice } from '../../src/payments/types.js';
import { WataKeyCache } from '../../src/payments/wata-keys.js';
import { WataProvider } from '../../src/payments/wata.js';
import { YookassaProvider } from '../../src/payments/yookassa.js';
import type { OrderProvider } from '../../src/store/order-types.js';
import { startFakeRobokassa, type FakeRobokassaServer } from '../fakes/robokassa-server.js';
import { startFakeWata, type FakeWataServer } from '../fakes/wata-server.js';
import { startFakeYookassa, type FakeYookassaServer } from '../fakes/yookassa-server.js';
import { testConfig } from '../helpers/config.js';

let robokassa: FakeRobokassaServer;
let yookassa: FakeYookassaServer;
let wata: FakeWataServer;
let providers: Map<OrderProvider, PaymentProvider>;

/** What `handle` saw, and how it should behave. */
const handled: VerifiedNotice[] = [];
let handleFails = false;

async function buildTestApp(map = providers, options: { allowedYooIps?: string } = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  installErrorHandlers(app);
  app.addHook('preHandler', refuseHostileInput);
  app.addSchema(errorBodySchema);
  // A global limit of 2 per window: the payment routes must not be subject to it.
  await app.register(rateLimit, { global: true, max: 2, timeWindow: 60_000 });
  let routeProviders = map;
  if (options.allowedYooIps) {
    routeProviders = new Map(map);
    routeProviders.set('yookassa', yookassaProvider(options.allowedYooIps));
  }
  await app.register(paymentRoutes, {
    prefix: '/v2/payments',
    providers: routeProviders,
    statusUrl: (id) => `/orders/${id}/status?sig=test`,
    handle: async (notice) => {
      if (handleFails) throw new Error('database down');
      handled.push(notice);
    },
  });
  app.get('/limited', async () => 'ok');
  return app;
}

function yookassaProvider(allowedIps = ''): YookassaProvider {
  return new YookassaProvider(testConfig({ YOOKASSA_SHOP_ID: yookassa.shopId, YOOKASSA_SECRET_KEY: yookassa.secretKey, YOOKASSA_API_URL: yookassa.apiUrl, ...(allowedIps ? { YOOKASSA_ALLOWED_IPS: allowedIps } : {}) }).payments.yookassa, { retryDelaysMs: [1] });
}

const checkout = (orderId: number, returnUrl = 'http://app.test/status') => ({ orderId, amount: 29_000, description: 'Лицензия', returnUrl, idempotenceKey: `key-${orderId}`, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), lang: 'ru' as const });

before(async () => {
  [robokassa, yookassa, wata] = await Promise.all([startFakeRobokassa({ password1: 'p1', password2: 'p2', hash: 'sha256' }), startFakeYookassa(), startFakeWata()]);
  providers = new Map<OrderProvider, PaymentProvider>([
    ['robokassa', new RobokassaProvider(testConfig({ ROBOKASSA_MERCHANT_LOGIN: 'ttops-shop', ROBOKASSA_PASSWORD_1: 'p1', ROBOKASSA_PASSWORD_2: 'p2', ROBOKASSA_HASH: 'sha256', ROBOKASSA_URL: robokassa.merchantUrl }).payments.robokassa)],
    ['yookassa', yookassaProvider()],
    ['wata', new WataProvider(testConfig({ WATA_TOKEN: wata.token, WATA_API_URL: wata.apiUrl }).payments.wata, { keys: new WataKeyCache(0) })],
  ]);
});
after(async () => {
  await Promise.all([robokassa.close(), yookassa.close(), wata.close()]);
});

/** Opens a Robokassa invoice at the fake (as the buyer's browser would) and marks it paid without delivering. */
async function robokassaInvoice(orderId: number): Promise<void> {
  const link = await providers.get('robokassa')!.createCheckout(checkout(orderId));
  await request(link.payUrl).then((r) => r.body.dump());
  robokassa.invoices.get(String(orderId))!.state = 'paid';
}

describe('through inject', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildTestApp();
  });
  after(() => app.close());

  test('Robokassa: OK{InvId} as text/plain, the same for a replay; OutSum reaches handle as sent', async () => {
    await robokassaInvoice(21);
    handled.length = 0;
    const payload = robokassa.noticeBody(21);
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: 'POST', url: '/v2/payments/robokassa/result', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
      assert.equal(res.statusCode, 200);
      assert.equal(res.body, 'OK21');
      assert.match(String(res.headers['content-type']), /^text\/plain/);
    }
    assert.equal(handled.length, 3, 'every copy is handed over; the checkout decides replays');
    assert.deepEqual([handled[0].provider, handled[0].orderId, handled[0].amount, handled[0].amountKopecks], ['robokassa', 21, '290.000000', 29_000]);
    const viaGet = await app.inject({ method: 'GET', url: `/v2/payments/robokassa/result?${payload}` });
    assert.deepEqual([viaGet.statusCode, viaGet.body], [200, 'OK21']);
  });

  test('refusals answer the API error shape and handle nothing', async () => {
    await robokassaInvoice(22);
    handled.length = 0;
    const cases: [string, number, string][] = [
      [robokassa.noticeBody(22, { tamper: 'amount' }), 400, 'bad_signature'],
      [robokassa.noticeBody(22, { tamper: 'signature' }), 400, 'bad_signature'],
      [robokassa.noticeBody(22, { tamper: (f) => f.delete('InvId') }), 400, 'malformed'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await app.inject({ method: 'POST', url: '/v2/payments/robokassa/result', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
      assert.equal(res.statusCode, status);
      assert.equal(res.json().error.code, code);
      assert.equal(typeof res.json().error.message, 'string');
    }
    assert.equal(handled.length, 0);
  });

  test('YooKassa: 200 after the re-fetch; an unknown payment is refused; the allowlist answers 403', async () => {
    const { providerOrderId: id } = await providers.get('yookassa')!.createCheckout(checkout(23));
    yookassa.setStatus(id!, 'succeeded');
    handled.length = 0;
    const payload = yookassa.notificationBody(id!);
    const ok = await app.inject({ method: 'POST', url: '/v2/payments/yookassa/webhook', headers: { 'content-type': 'application/json; charset=utf-8' }, payload });
    assert.deepEqual([ok.statusCode, ok.body], [200, '']);
    assert.deepEqual([handled[0].eventKey, handled[0].outcome, handled[0].orderId], [id, 'paid', 23]);
    const unknown = await app.inject({ method: 'POST', url: '/v2/payments/yookassa/webhook', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'notification', event: 'payment.succeeded', object: { id: 'nope' } }) });
    assert.deepEqual([unknown.statusCode, unknown.json().error.code], [400, 'unknown_payment']);

    const guarded = await buildTestApp(providers, { allowedYooIps: '185.71.76.0/27' });
    const outsider = await guarded.inject({ method: 'POST', url: '/v2/payments/yookassa/webhook', headers: { 'content-type': 'application/json' }, payload, remoteAddress: '203.0.113.9' });
    assert.deepEqual([outsider.statusCode, outsider.json().error.code], [403, 'forbidden_ip']);
    const insider = await guarded.inject({ method: 'POST', url: '/v2/payments/yookassa/webhook', headers: { 'content-type': 'application/json' }, payload, remoteAddress: '185.71.76.3' });
    assert.equal(insider.statusCode, 200);
    await guarded.close();
  });

  test('WATA: the raw bytes are verified; the same JSON re-serialised is refused', async () => {
    const link = await providers.get('wata')!.createCheckout(checkout(24));
    wata.setNotifyUrl('http://127.0.0.1:9/unused');
    const { transaction } = await wata.pay(link.providerOrderId!);
    const { body, signature } = wata.webhook(transaction.transactionId);
    handled.length = 0;
    const ok = await app.inject({ method: 'POST', url: '/v2/payments/wata/webhook', headers: { 'content-type': 'application/json', 'x-signature': signature }, payload: body });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual([handled[0].eventKey, handled[0].orderId, handled[0].outcome], [transaction.transactionId, 24, 'paid']);
    const reformatted = await app.inject({ method: 'POST', url: '/v2/payments/wata/webhook', headers: { 'content-type': 'application/json', 'x-signature': signature }, payload: JSON.stringify(JSON.parse(body), null, 2) });
    assert.deepEqual([reformatted.statusCode, reformatted.json().error.code], [400, 'bad_signature']);
  });

  test('the provider gets the body byte for byte, its content type, headers, query and client address', async () => {
    const seen: IncomingNotice[] = [];
    const spy: PaymentProvider = {
      name: 'wata',
      test: false,
      createCheckout: async () => ({ payUrl: '', test: false }),
      verify: async (n) => (seen.push(n), { ok: false, reason: 'malformed', message: 'spy' }),
      ack: () => ({ status: 200, contentType: 'text/plain', body: '' }),
      lookup: async () => undefined,
      refund: async () => undefined,
    };
    const spied = await buildTestApp(new Map([['wata', spy]]));
    const bytes = Buffer.from('{"a": 1,   "b":"\u00e9"}\n', 'utf8');
    await spied.inject({ method: 'POST', url: '/v2/payments/wata/webhook?x=1', headers: { 'content-type': 'application/json', 'x-signature': 'sig' }, payload: bytes, remoteAddress: '198.51.100.7' });
    assert.ok(seen[0].rawBody.equals(bytes));
    assert.equal(seen[0].contentType, 'application/json');
    assert.equal(seen[0].headers['x-signature'], 'sig');
    assert.deepEqual(seen[0].query, { x: '1' });
    assert.equal(seen[0].ip, '198.51.100.7');
    await spied.close();
  });

  test('a disabled provider is 404 provider_disabled; a failed record or verification is 503', async () => {
    const onlyYoo = await buildTestApp(new Map([['yookassa', providers.get('yookassa')!]]));
    for (const url of ['/v2/payments/wata/webhook', '/v2/payments/robokassa/result']) {
      const res = await onlyYoo.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{}' });
      assert.deepEqual([res.statusCode, res.json().error.code], [404, 'provider_disabled'], url);
    }
    const success = await onlyYoo.inject({ method: 'GET', url: '/v2/payments/robokassa/success?InvId=1' });
    assert.deepEqual([success.statusCode, success.json().error.code], [404, 'provider_disabled']);
    await onlyYoo.close();

    await robokassaInvoice(25);
    handleFails = true;
    try {
      const res = await app.inject({ method: 'POST', url: '/v2/payments/robokassa/result', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: robokassa.noticeBody(25) });
      assert.deepEqual([res.statusCode, res.json().error.code], [503, 'payment_not_recorded']);
    } finally {
      handleFails = false;
    }
    const { providerOrderId: id } = await providers.get('yookassa')!.createCheckout(checkout(26));
    yookassa.failNext({ status: 500 }, 2);
    const unreachable = await app.inject({ method: 'POST', url: '/v2/payments/yookassa/webhook', headers: { 'content-type': 'application/json' }, payload: yookassa.notificationBody(id!) });
    assert.deepEqual([unreachable.statusCode, unreachable.json().error.code], [503, 'provider_unreachable']);
  });

  test('bodies over 64 KB and other content types are refused before any provider code', async () => {
    const big = await app.inject({ method: 'POST', url: '/v2/payments/yookassa/webhook', headers: { 'content-type': 'application/json' }, payload: `{"x":"${'a'.repeat(70_000)}"}` });
    assert.equal(big.statusCode, 413);
    const text = await app.inject({ method: 'POST', url: '/v2/payments/yookassa/webhook', headers: { 'content-type': 'text/plain' }, payload: 'hi' });
    assert.equal(text.statusCode, 415);
  });

  test('notification routes are exempt from the rate limit that other routes hit', async () => {
    await robokassaInvoice(27);
    const payload = robokassa.noticeBody(27);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await app.inject({ method: 'POST', url: '/v2/payments/robokassa/result', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload })).statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200]);
    const limited = [];
    for (let i = 0; i < 3; i++) limited.push((await app.inject({ method: 'GET', url: '/limited' })).statusCode);
    assert.deepEqual(limited, [200, 200, 429], 'the limit itself works');
  });

  test('SuccessURL: a password-#1 signature → 303 to the status page; forged → 400; an unsigned FailURL → /buy', async () => {
    await robokassaInvoice(28);
    handled.length = 0;
    const ok = await app.inject({ method: 'GET', url: `/v2/payments/robokassa/success?${robokassa.successQuery(28)}` });
    assert.deepEqual([ok.statusCode, ok.headers.location], [303, '/orders/28/status?sig=test']);
    const posted = await app.inject({ method: 'POST', url: '/v2/payments/robokassa/success', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: robokassa.successQuery(28) });
    assert.deepEqual([posted.statusCode, posted.headers.location], [303, '/orders/28/status?sig=test']);
    const forged = await app.inject({ method: 'GET', url: `/v2/payments/robokassa/success?${robokassa.successQuery(28).replace('InvId=28', 'InvId=29')}` });
    assert.deepEqual([forged.statusCode, forged.json().error.code], [400, 'bad_signature']);
    const unsigned = await app.inject({ method: 'GET', url: '/v2/payments/robokassa/fail?OutSum=290.000000&InvId=28&Culture=ru' });
    assert.deepEqual([unsigned.statusCode, unsigned.headers.location], [303, '/buy']);
    const signedFail = await app.inject({ method: 'GET', url: `/v2/payments/robokassa/fail?${robokassa.successQuery(28)}` });
    assert.deepEqual([signedFail.statusCode, signedFail.headers.location], [303, '/orders/28/status?sig=test']);
    assert.equal(handled.length, 0, 'redirects never fulfil');
  });
});

describe('over real HTTP from the fakes', () => {
  let app: FastifyInstance;
  let base: string;
  before(async () => {
    app = await buildTestApp();
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    robokassa.setUrls({ resultUrl: `${base}/v2/payments/robokassa/result`, successUrl: `${base}/v2/payments/robokassa/success`, failUrl: `${base}/v2/payments/robokassa/fail` });
    yookassa.setNotifyUrl(`${base}/v2/payments/yookassa/webhook`);
    wata.setNotifyUrl(`${base}/v2/payments/wata/webhook`);
  });
  after(() => app.close());

  test('Robokassa pay page: «Оплатить» posts ResultURL (answered OK{InvId}) and sends the browser through SuccessURL', async () => {
    handled.length = 0;
    const link = await providers.get('robokassa')!.createCheckout(checkout(31));
    await request(link.payUrl).then((r) => r.body.dump());
    const pressed = await request(`${robokassa.url}/pay/31`, { method: 'POST' });
    await pressed.body.dump();
    assert.equal(pressed.statusCode, 303);
    assert.deepEqual(robokassa.deliveries.filter((d) => d.ref === '31').map((d) => [d.status, d.body]), [[200, 'OK31']]);
    assert.equal(handled.length, 1);
    const success = await request(String(pressed.headers.location));
    await success.body.dump();
    assert.deepEqual([success.statusCode, success.headers.location], [303, '/orders/31/status?sig=test']);
  });

  test('100 concurrent copies of one notification are each acknowledged alike', async () => {
    const link = await providers.get('robokassa')!.createCheckout(checkout(32));
    await request(link.payUrl).then((r) => r.body.dump());
    await robokassa.pay(32);
    handled.length = 0;
    const replies = await robokassa.notify(32, { copies: 100 });
    assert.deepEqual(new Set(replies.map((r) => `${r.status} ${r.body}`)), new Set(['200 OK32']));
    assert.equal(handled.length, 100);
  });

  test('YooKassa and WATA pay pages notify the app and redirect to the return URL', async () => {
    handled.length = 0;
    const yoo = await providers.get('yookassa')!.createCheckout(checkout(33, 'http://app.test/orders/33'));
    const yooPage = await request(yoo.payUrl);
    assert.match(await yooPage.body.text(), /Оплатить/);
    const yooPressed = await request(`${yookassa.url}/pay/${yoo.providerOrderId}`, { method: 'POST' });
    await yooPressed.body.dump();
    assert.deepEqual([yooPressed.statusCode, yooPressed.headers.location], [303, 'http://app.test/orders/33']);

    const w = await providers.get('wata')!.createCheckout(checkout(34, 'http://app.test/orders/34'));
    const wPressed = await request(`${wata.url}/pay/${w.providerOrderId}`, { method: 'POST' });
    await wPressed.body.dump();
    assert.deepEqual([wPressed.statusCode, wPressed.headers.location], [303, 'http://app.test/orders/34']);

    assert.deepEqual(handled.map((n) => [n.provider, n.orderId, n.outcome]), [['yookassa', 33, 'paid'], ['wata', 34, 'paid']]);
    const wataReplies = await wata.notify([...wata.transactions.values()].find((t) => t.orderId === '34')!.transactionId, { copies: 5 });
    assert.ok(wataReplies.every((r) => r.status === 200));
    const forged = await wata.notify([...wata.transactions.values()].find((t) => t.orderId === '34')!.transactionId, { signWith: 'forged' });
    assert.equal(forged[0].status, 400);
  });
});
