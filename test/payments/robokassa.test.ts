/**
 * Robokassa against the reference's formulas and a fake Robokassa over real HTTP: the
 * worked example and every hash, pay links the fake accepts, ResultURL notices valid,
 * forged and tampered, OutSum kept as received, test and live passwords kept apart,
 * the IP allowlist, the SuccessURL check, OpStateExt lookups, and no refund API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { RobokassaProvider, robokassaPasswordSets, verifyRobokassaReturn, type RobokassaSettings } from '../../src/payments/robokassa.js';
import { noticeBase, payLinkBase, robokassaHash, shpPairs, signatureMatches, type RobokassaHash } from '../../src/payments/robokassa-sign.js';
import type { IncomingNotice, VerifiedNotice } from '../../src/payments/types.js';
import type { ShopOrderRecord } from '../../src/store/order-types.js';
import { startFakeRobokassa, type FakeRobokassaServer } from '../fakes/robokassa-server.js';
import { testConfig } from '../helpers/config.js';

const WORKED_BASE = '100.000000:450009:Пароль#2:Shp_login=Vasya:Shp_oplata=1';
/** Digests of WORKED_BASE computed with `openssl dgst` (golden values, not this code). */
const GOLDEN: Record<RobokassaHash, string> = {
  md5: '4dc8d204b401aeab0ed93283fb0bfb74',
  ripemd160: 'e074a5c3cd4f7ee07202e982ac60b191d9b3928a',
  sha1: 'e936a904632f78873d552b9851e1be36813b3d2a',
  sha256: 'bcc8762335b7d971c6f6d500f5bb447fe7c4e651e6df11e872edfe07b2d3599a',
  sha384: '1e6e0882624ca9a05cb0ad77b3bc3b8480f6bce88ef86367ff66f8c79eb2cf093bbb94564ba4213d97db85c875b4b26f',
  sha512: '9a8dfa52824233d96b1f990df3a9c1c1b43a8e818fb9036b5ca33eb047c6853e05fdf0b159154cfa5c136af89eb5232b4c3d2213aba9b0b39db500004fe4de83',
};

function settings(env: Record<string, string>): RobokassaSettings {
  return testConfig({ ROBOKASSA_MERCHANT_LOGIN: 'ttops-shop', ...env }).payments.robokassa;
}

function form(fields: Record<string, string>, ip = '127.0.0.1'): IncomingNotice {
  return { rawBody: Buffer.from(new URLSearchParams(fields).toString()), contentType: 'application/x-www-form-urlencoded', headers: {}, ip };
}

function signed(fields: Record<string, string>, password2: string, hash: RobokassaHash = 'md5'): Record<string, string> {
  const base = noticeBase(fields.OutSum, fields.InvId, password2, shpPairs(Object.entries(fields)));
  return { ...fields, SignatureValue: robokassaHash(base, hash) };
}

function order(id: number, test = false): ShopOrderRecord {
  const now = new Date().toISOString();
  return { id, productId: 1, provider: 'robokassa', status: 'pending', userId: null, telegramId: null, lang: 'ru', amount: 29_000, listPrice: 29_000, credits: 0, promoCodeId: null, refCode: null, test, providerOrderId: null, idempotenceKey: `k-${id}`, payUrl: null, paymentId: null, licenseId: null, keyPending: false, keyRevealedAt: null, failReason: null, createdAt: now, updatedAt: now, expiresAt: now, paidAt: null };
}

test('the worked example: Shp_* sorted after the password, byte for byte; every hash matches openssl', () => {
  const shp = shpPairs([['Shp_oplata', '1'], ['Shp_login', 'Vasya'], ['OutSum', 'x']]);
  assert.equal(noticeBase('100.000000', '450009', 'Пароль#2', shp), WORKED_BASE);
  assert.equal(payLinkBase('demo', '11.00', '5', 'pw1', ['Shp_item=2']), 'demo:11.00:5:pw1:Shp_item=2');
  for (const [hash, hex] of Object.entries(GOLDEN) as [RobokassaHash, string][]) {
    assert.equal(robokassaHash(WORKED_BASE, hash), hex.toUpperCase(), hash);
    assert.ok(signatureMatches(hex, robokassaHash(WORKED_BASE, hash)), `${hash}: lower-case hex is accepted`);
  }
  assert.ok(!signatureMatches(GOLDEN.md5.slice(0, -1), robokassaHash(WORKED_BASE, 'md5')), 'a shorter value is refused, not thrown');
});

test('verify: a notice signed with password #2 under each configured hash is accepted; OutSum is kept as received', async () => {
  for (const hash of Object.keys(GOLDEN) as RobokassaHash[]) {
    const provider = new RobokassaProvider(settings({ ROBOKASSA_PASSWORD_1: 'p1', ROBOKASSA_PASSWORD_2: 'p2', ROBOKASSA_HASH: hash }));
    const fields = signed({ OutSum: '290.000000', InvId: '42', Shp_lang: 'ru', Fee: '0.000000' }, 'p2', hash);
    fields.SignatureValue = fields.SignatureValue.toLowerCase();
    const result = await provider.verify(form(fields));
    assert.ok(result.ok, `${hash}: ${!result.ok && result.message}`);
    const notice = (result as { notice: VerifiedNotice }).notice;
    assert.deepEqual(
      { eventKey: notice.eventKey, orderId: notice.orderId, amount: notice.amount, amountKopecks: notice.amountKopecks, currency: notice.currency, test: notice.test, outcome: notice.outcome },
      { eventKey: '42', orderId: 42, amount: '290.000000', amountKopecks: 29_000, currency: 'RUB', test: false, outcome: 'paid' },
    );
    assert.deepEqual(provider.ack(notice), { status: 200, contentType: 'text/plain; charset=utf-8', body: 'OK42' });
  }
});

test('verify refuses forged, tampered and malformed notices', async () => {
  const provider = new RobokassaProvider(settings({ ROBOKASSA_PASSWORD_1: 'p1', ROBOKASSA_PASSWORD_2: 'p2' }));
  const good = signed({ OutSum: '290.000000', InvId: '42', Shp_lang: 'ru' }, 'p2');
  const refusals: [Record<string, string>, string][] = [
    [signed({ OutSum: '290.000000', InvId: '42', Shp_lang: 'ru' }, 'p1'), 'bad_signature'], // password #1 is not #2
    [{ ...good, OutSum: '2900.000000' }, 'bad_signature'],
    [{ ...good, OutSum: '290.00' }, 'bad_signature'], // re-formatted: the signature was over "290.000000"
    [{ ...good, InvId: '43' }, 'bad_signature'],
    [{ ...good, Shp_lang: 'en' }, 'bad_signature'],
    [{ ...good, Shp_extra: '1' }, 'bad_signature'],
    [{ OutSum: '290.000000', InvId: '42' }, 'malformed'],
    [signed({ OutSum: '290.001000', InvId: '42' }, 'p2'), 'malformed'],
    [signed({ OutSum: '-1', InvId: '42' }, 'p2'), 'malformed'],
    [signed({ OutSum: '290.00', InvId: '042' }, 'p2'), 'malformed'],
  ];
  for (const [fields, reason] of refusals) {
    const result = await provider.verify(form(fields));
    assert.equal(result.ok ? 'accepted' : result.reason, reason, JSON.stringify(fields));
  }
  const json = await provider.verify({ rawBody: Buffer.from('{"OutSum":"1"}'), contentType: 'application/json', headers: {}, ip: '127.0.0.1' });
  assert.equal(json.ok ? 'accepted' : json.reason, 'malformed');
});

test('a GET notification carries its fields in the query string', async () => {
  const provider = new RobokassaProvider(settings({ ROBOKASSA_PASSWORD_1: 'p1', ROBOKASSA_PASSWORD_2: 'p2' }));
  const result = await provider.verify({ rawBody: Buffer.alloc(0), contentType: undefined, headers: {}, ip: '127.0.0.1', query: signed({ OutSum: '1.5', InvId: '7' }, 'p2') });
  assert.ok(result.ok);
  assert.equal(result.notice.amountKopecks, 150);
});

test('test and live passwords are kept apart; IsTest=1 selects the test set and marks the notice', async () => {
  const both = new RobokassaProvider(settings({ ROBOKASSA_PASSWORD_1: 'l1', ROBOKASSA_PASSWORD_2: 'l2', ROBOKASSA_TEST_PASSWORD_1: 't1', ROBOKASSA_TEST_PASSWORD_2: 't2' }));
  const base = { OutSum: '10.000000', InvId: '9' };
  const testNotice = await both.verify(form(signed({ ...base, IsTest: '1' }, 't2')));
  assert.ok(testNotice.ok && testNotice.notice.test === true);
  const liveNotice = await both.verify(form(signed(base, 'l2')));
  assert.ok(liveNotice.ok && liveNotice.notice.test === false);
  // A live password never authenticates a test notice, nor a test password a live one.
  assert.equal((await both.verify(form(signed({ ...base, IsTest: '1' }, 'l2')))).ok, false);
  assert.equal((await both.verify(form(signed(base, 't2')))).ok, false);

  const liveOnly = new RobokassaProvider(settings({ ROBOKASSA_PASSWORD_1: 'l1', ROBOKASSA_PASSWORD_2: 'l2' }));
  const refused = await liveOnly.verify(form(signed({ ...base, IsTest: '1' }, 'l2')));
  assert.equal(refused.ok ? 'accepted' : refused.reason, 'bad_signature');

  // ROBOKASSA_IS_TEST without test passwords: PASSWORD_1/_2 are the test set, there is no live set.
  const testOnly = settings({ ROBOKASSA_PASSWORD_1: 'p1', ROBOKASSA_PASSWORD_2: 'p2', ROBOKASSA_IS_TEST: 'true' });
  assert.deepEqual(robokassaPasswordSets(testOnly), { test: { password1: 'p1', password2: 'p2' } });
  const shopInTest = new RobokassaProvider(testOnly);
  for (const fields of [signed({ ...base, IsTest: '1' }, 'p2'), signed(base, 'p2')]) {
    const result = await shopInTest.verify(form(fields));
    assert.ok(result.ok && result.notice.test === true, 'only a test set exists, so whatever it authenticates is a test notice');
  }
});

test('the IP allowlist refuses other senders before anything else', async () => {
  const provider = new RobokassaProvider(settings({ ROBOKASSA_PASSWORD_1: 'p1', ROBOKASSA_PASSWORD_2: 'p2', ROBOKASSA_ALLOWED_IPS: '185.59.216.65,185.59.217.0/24' }));
  const fields = signed({ OutSum: '1.00', InvId: '1' }, 'p2');
  const outsider = await provider.verify(form(fields, '10.1.2.3'));
  assert.equal(outsider.ok ? 'accepted' : outsider.reason, 'forbidden_ip');
  assert.ok((await provider.verify(form(fields, '185.59.216.65'))).ok);
  assert.ok((await provider.verify(form(fields, '::ffff:185.59.217.9'))).ok);
});

test('SuccessURL redirects are checked with password #1 (either mode); password #2 does not pass', () => {
  const s = settings({ ROBOKASSA_PASSWORD_1: 'l1', ROBOKASSA_PASSWORD_2: 'l2', ROBOKASSA_TEST_PASSWORD_1: 't1', ROBOKASSA_TEST_PASSWORD_2: 't2' });
  const q = (password: string) => new URLSearchParams({ OutSum: '290.000000', InvId: '12', Culture: 'ru', Shp_lang: 'ru', SignatureValue: robokassaHash(noticeBase('290.000000', '12', password, ['Shp_lang=ru']), 'md5') });
  assert.deepEqual(verifyRobokassaReturn(s, q('l1')), { ok: true, orderId: 12, test: false });
  assert.deepEqual(verifyRobokassaReturn(s, q('t1')), { ok: true, orderId: 12, test: true });
  const forged = verifyRobokassaReturn(s, q('l2'));
  assert.equal(forged.ok ? 'ok' : forged.reason, 'bad_signature');
});

describe('against the fake Robokassa', () => {
  let fake: FakeRobokassaServer;
  let provider: RobokassaProvider;
  let testProvider: RobokassaProvider;
  const received: IncomingNotice[] = [];
  let sink: { close(): Promise<void>; url: string };

  before(async () => {
    const { startHttpServer, readBody } = await import('../fakes/http.js');
    // A stand-in ResultURL: records the raw notice, answers like the route would.
    const started = await startHttpServer(async (req, res) => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://x');
      received.push({ rawBody: raw, contentType: req.headers['content-type'], headers: req.headers, ip: '127.0.0.1', query: Object.fromEntries(url.searchParams) });
      res.end('OK');
    });
    sink = started;
    fake = await startFakeRobokassa({ password1: 'l1', password2: 'l2', testPassword1: 't1', testPassword2: 't2', hash: 'sha256', resultUrl: `${started.url}/result` });
    const env = { ROBOKASSA_PASSWORD_1: 'l1', ROBOKASSA_PASSWORD_2: 'l2', ROBOKASSA_TEST_PASSWORD_1: 't1', ROBOKASSA_TEST_PASSWORD_2: 't2', ROBOKASSA_HASH: 'sha256', ROBOKASSA_URL: fake.merchantUrl };
    provider = new RobokassaProvider(settings(env), { retryDelaysMs: [1, 1] });
    testProvider = new RobokassaProvider(settings({ ...env, ROBOKASSA_IS_TEST: 'true' }), { retryDelaysMs: [1, 1] });
  });
  after(async () => {
    await fake.close();
    await sink.close();
  });

  const checkout = (orderId: number, amount = 29_000) => ({ orderId, amount, description: 'Лицензия на месяц', returnUrl: 'http://app/status', idempotenceKey: `k${orderId}`, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), lang: 'ru' as const });

  test('a pay link opens the fake pay page (its password-#1 signature checks out); a tampered one is refused', async () => {
    const link = await provider.createCheckout(checkout(101));
    assert.equal(link.test, false);
    const url = new URL(link.payUrl);
    assert.deepEqual([url.searchParams.get('OutSum'), url.searchParams.get('InvId'), url.searchParams.get('Shp_lang'), url.searchParams.get('IsTest')], ['290.00', '101', 'ru', null]);
    const page = await request(link.payUrl);
    assert.equal(page.statusCode, 200);
    assert.match(await page.body.text(), /Оплатить/);
    url.searchParams.set('OutSum', '1.00');
    const tampered = await request(url.toString());
    assert.equal(tampered.statusCode, 400);
    await tampered.body.dump();

    const testLink = await testProvider.createCheckout(checkout(102));
    assert.equal(new URL(testLink.payUrl).searchParams.get('IsTest'), '1');
    const testPage = await request(testLink.payUrl);
    assert.equal(testPage.statusCode, 200, 'signed with test password #1');
    await testPage.body.dump();
  });

  test("the fake's notifications verify (live and test), with OutSum as sent; tampered copies do not", async () => {
    received.length = 0;
    await request((await provider.createCheckout(checkout(103))).payUrl).then((r) => r.body.dump());
    await fake.pay(103);
    await request((await testProvider.createCheckout(checkout(104))).payUrl).then((r) => r.body.dump());
    await fake.pay(104);
    await fake.notify(103, { tamper: 'amount' });
    await fake.notify(103, { tamper: 'signature' });
    await fake.notify(104, { tamper: 'otherMode' });
    const results = await Promise.all(received.map((n) => provider.verify(n)));
    assert.ok(results[0].ok && results[0].notice.amount === '290.000000' && results[0].notice.test === false);
    assert.ok(results[1].ok && results[1].notice.test === true && results[1].notice.eventKey === '104');
    assert.deepEqual(results.slice(2).map((r) => (r.ok ? 'ok' : r.reason)), ['bad_signature', 'bad_signature', 'bad_signature']);
  });

  test('lookup asks OpStateExt (signed with password #2): paid, open, unknown; a 500 is retried', async () => {
    await request((await provider.createCheckout(checkout(105))).payUrl).then((r) => r.body.dump());
    const open = await provider.lookup(order(105));
    assert.equal(open?.outcome, 'pending');
    await fake.pay(105);
    fake.failNext({ status: 500 });
    const paid = await provider.lookup(order(105));
    assert.deepEqual([paid?.outcome, paid?.amount, paid?.amountKopecks, paid?.eventKey], ['paid', '290.000000', 29_000, '105']);
    assert.equal(await provider.lookup(order(999)), undefined);
    const testPaid = await testProvider.lookup(order(104, true));
    assert.equal(testPaid?.outcome, 'paid');
    assert.equal(fake.opStateCalls.at(-1)?.get('IsTest'), '1');
  });

  test('refunds are manual', async () => {
    await assert.rejects(provider.refund(order(105), { providerPaymentId: '105', amount: '290.000000' }), { code: 'refund_manual' });
  });
});
