/**
 * Property test: generated hostile bodies, query strings and path params thrown at every
 * route the app registers, on both engines. Whatever the bytes, the answer is never a 5xx,
 * and every 4xx carries `{error:{code,message}}`. Seeded and bounded, so a failure replays.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { ADMIN_KEY, makeTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';
import { routesOf, type Route } from '../helpers/routes.js';

const RUNS_PER_ROUTE = 150;
const SEED = 20_240_917;

/** A JSON token written as-is (1e309, -0, 99999999999999999999), which JSON.stringify cannot produce. */
class Raw {
  constructor(readonly text: string) {}
}

/** JSON text that may hold raw tokens. */
function toJsonText(v: unknown): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${toJsonText(x)}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * Every field the API reads, with a value its schema accepts, so a hostile value in one
 * field reaches past validation into the handler and the database. `password` is left to the
 * hostile side: each valid one costs a 600k-round PBKDF2, which would make the run slow.
 */
const VALID: Record<string, unknown> = {
  username: 'streamer1', license_key: 'TTB-0000-0000-0000', plan: 'pro', ttl_days: 30, count: 1, note: 'n', key: 'TTB-0000-0000-0001',
  voice_id: 'en-US-AriaNeural', tts_enabled: true, gift_sounds_enabled: false, tts_volume: 50, gifts_volume: 50, tiktok_username: '@me',
  template: 'promo', product_name: 'a thing', image_url: 'https://example.com/a.png', wishes: 'w', limit: 10, code: 200, msg: 'ok',
  data: { taskId: 'task-1', state: 'generating' },
  product_id: 1, provider: 'robokassa', promo_code: 'SALE10', ref: 'FRIEND01', lang: 'en', exp: 2_000_000_000, sig: 'x',
};
const FIELDS = [...Object.keys(VALID), 'password'];

const NUMBERS = ['Infinity', '-Infinity', 'NaN', '1e309', '-1e309', '-0', '1e20', '99999999999999999999', '12345678901234567890', '0x10', '1.5', ' 7', '', '1e-400', '9007199254740993'];

/** Scalars and shapes that broke or could break something. */
const hostileScalar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(...NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(new Raw('1e309'), new Raw('-1e309'), new Raw('-0'), new Raw('1e20'), new Raw('99999999999999999999'), new Raw('1.0'), new Raw('5e-324')) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>('a\u0000b', '\u0000', '\ud800', 'x\udfffy', '\ud83d', 'x'.repeat(70_000), 'é'.repeat(300), null, true, 0, -1, 2 ** 53, -(2 ** 63)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('\u0000', '\ud800', '\udc00', 'a', '%', '\\', '"', '\u202e'), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
);

const hostileValue = fc.oneof(
  { weight: 4, arbitrary: hostileScalar },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('taskId', 'state', 'resultJson', '__proto__', 'constructor', 'a\u0000', '\ud800'), hostileScalar, { maxKeys: 3 }) },
);

/** A body object: valid fields, one to three of them (or the callback's taskId) hostile. */
const hostileObject = fc
  .tuple(fc.subarray(Object.keys(VALID)), fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { minKeys: 1, maxKeys: 3 }), hostileValue, fc.boolean())
  .map(([keep, bad, taskId, inData]) => ({
    ...Object.fromEntries(keep.map((k) => [k, VALID[k]])),
    ...(inData ? { data: { taskId, state: 'generating' } } : bad),
  }));

const deepNesting = fc.integer({ min: 1_000, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n));

/** A body as bytes with a content type (or none). */
const hostileBody: fc.Arbitrary<{ payload?: string | Buffer; contentType?: string }> = fc.oneof(
  { weight: 6, arbitrary: hostileObject.map((o) => ({ payload: toJsonText(o), contentType: 'application/json' })) },
  { weight: 1, arbitrary: hostileValue.map((v) => ({ payload: toJsonText(v), contentType: 'application/json' })) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '{"a":', 'null', '[]', '"x"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}').map((p) => ({ payload: p, contentType: 'application/json' })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/xml', '*/*', 'application/json, text/plain', ';;;', 'application/jsonx').map((contentType) => ({ payload: 'username=a&password=b', contentType })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ payload: Buffer.concat([Buffer.from('{"note":"'), Buffer.from(bytes), Buffer.from([0xff, 0xfe, 0xc0, 0x80]), Buffer.from('","plan":"pro","ttl_days":1}')]), contentType: 'application/json' })) },
  { weight: 1, arbitrary: deepNesting.map((payload) => ({ payload, contentType: 'application/json' })) },
  { weight: 1, arbitrary: fc.constant({}) },
);

/** Every UTF-8 byte percent-encoded, except `%` itself, so a value may carry a broken escape. */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (b === 0x25 ? '%' : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

const RAW_QUERY = ['%zz', '%00', '%ED%A0%80', '%C0%80', '%FF', '%', 'limit[]=1', 'limit[a]=1', 'limit=1&limit=2', '=', '&&&', 'limit', 'a=%F0%9F%98%80'];

/** A query string: encoded hostile values under real field names, or raw oddities. */
const hostileQuery = fc.oneof(
  fc.constant(''),
  fc.array(fc.tuple(fc.oneof(fc.constant('limit'), fc.constantFrom(...FIELDS)), hostileScalar), { minLength: 1, maxLength: 3 }).map((pairs) =>
    pairs.map(([k, v]) => `${k}=${percentEncode(typeof v === 'string' ? v.slice(0, 2000) : v instanceof Raw ? v.text : JSON.stringify(v) ?? '')}`).join('&'),
  ),
  fc.constantFrom(...RAW_QUERY),
);

/** A path segment for `:id`. */
const hostileSegment = fc.oneof(
  fc.constantFrom('1e20', '99999999999999999999', '9223372036854775808', 'Infinity', '-Infinity', 'NaN', '-0', '0', '-1', '%00', '%zz', '%ED%A0%80', '0x10', '1.5', '1', '%F0%9F%98%80', 'x'.repeat(150), '%20'),
  fc.integer().map(String),
  fc.stringMatching(/^[0-9]{1,40}$/),
);

/** Server-rendered pages (not the API): they refuse with an HTML page unless the client asked for JSON. */
const PAGE_PATHS = ['/buy', '/orders/:id', '/account', '/account/login', '/account/logout'];

/** Whether a response is an acceptable answer to hostile input. */
function check(route: Route, r: { statusCode: number; body: string; headers: Record<string, unknown> }, what: string): void {
  assert.ok(r.statusCode < 500, `${what} → ${r.statusCode} ${r.body.slice(0, 300)}`);
  if (r.statusCode >= 400 && route.method !== 'HEAD' && PAGE_PATHS.includes(route.path) && /^text\/html/.test(String(r.headers['content-type']))) {
    assert.match(r.body, /^<!doctype html>/, `${what} → ${r.statusCode} is a whole page`);
    assert.match(r.body, /class="error"/, `${what} → ${r.statusCode} says what was refused`);
    return;
  }
  if (r.statusCode >= 400 && route.method !== 'HEAD') {
    let parsed: { error?: { code?: unknown; message?: unknown } };
    try {
      parsed = JSON.parse(r.body) as typeof parsed;
    } catch {
      assert.fail(`${what} → ${r.statusCode} body is not JSON: ${r.body.slice(0, 200)}`);
    }
    assert.equal(typeof parsed.error?.code, 'string', `${what} → ${r.body.slice(0, 200)}`);
    assert.equal(typeof parsed.error?.message, 'string', `${what} → ${r.body.slice(0, 200)}`);
    assert.match(String(r.headers['content-type']), /^application\/json/);
  }
}

for (const { name, make } of ENGINES) {
  describe(`hostile input on ${name}`, () => {
    let engine: TestEngine;
    let t: TestApp;
    let token = '';
    let routes: Route[] = [];
    let ip = 0;

    before(async () => {
      engine = await make();
      t = await makeTestApp(engine);
      await t.app.ready();
      routes = routesOf(t.app.printRoutes());
      const key = (await t.app.inject({ method: 'POST', url: '/v2/license/issue', headers: { 'admin-api-key': ADMIN_KEY }, payload: { plan: 'pro', ttl_days: 30 } })).json().key;
      const auth = await t.app.inject({ method: 'POST', url: '/v2/auth/redeem-license', payload: { username: 'fuzzer', password: 'fuzzer-password', license_key: key } });
      token = auth.json().access_token;
      const me = await t.app.inject({ method: 'GET', url: '/v2/auth/me', headers: { authorization: `Bearer ${token}` } });
      await t.store.grantCredits(me.json().id, 1_000_000, 'fuzz', { actor: 'test' });
    });
    after(async () => {
      await t.close();
      await engine.cleanup();
    });

    test('the route table covers every prefix', () => {
      const paths = new Set(routes.map((r) => `${r.method} ${r.path}`));
      for (const expected of ['GET /', 'GET /ready', 'POST /v2/license/issue', 'POST /v2/license/revoke', 'POST /v2/auth/login', 'PATCH /v2/auth/me', 'POST /v2/jobs', 'GET /v2/jobs/:id', 'POST /v2/providers/kie/callback', 'GET /v2/products', 'POST /v2/orders', 'GET /v2/orders/:id', 'GET /buy', 'POST /buy', 'GET /orders/:id', 'POST /account/login']) {
        assert.ok(paths.has(expected), `${expected} in ${[...paths].join(', ')}`);
      }
    });

    test('no 5xx and every 4xx has the error shape, whatever the bytes', async () => {
      for (const [i, route] of routes.entries()) {
        const input = fc.record({
          body: hostileBody,
          query: hostileQuery,
          segment: hostileSegment,
          authed: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        });
        await fc.assert(
          fc.asyncProperty(input, async ({ body, query, segment, authed }) => {
            const url = route.path.replace(':id', segment) + (query ? `?${query}` : '');
            const headers: Record<string, string> = { 'x-forwarded-for': `10.9.${Math.floor(++ip / 250) % 250}.${ip % 250}`, 'admin-api-key': ADMIN_KEY };
            if (authed) headers.authorization = `Bearer ${token}`;
            if (body.contentType) headers['content-type'] = body.contentType;
            const req: InjectOptions = { method: route.method as InjectOptions['method'], url, headers };
            if (body.payload !== undefined && route.method !== 'GET' && route.method !== 'HEAD') req.payload = body.payload;
            const r = await t.app.inject(req);
            check(route, r, `${route.method} ${url.slice(0, 200)} ${String(body.payload ?? '').slice(0, 200)}`);
          }),
          { numRuns: RUNS_PER_ROUTE, seed: SEED + i, endOnFailure: true },
        );
      }
    });

    test('the values the fuzz run found answer 400 or 404, never reaching the database', async () => {
      const A = { authorization: `Bearer ${token}` };
      const A_JSON = { ...A, 'content-type': 'application/json' };
      const admin = { 'admin-api-key': ADMIN_KEY, 'content-type': 'application/json' };
      const cases: [InjectOptions, number, string][] = [
        [{ method: 'PATCH', url: '/v2/auth/me', headers: A_JSON, payload: '{"tts_volume":"Infinity"}' }, 400, 'invalid_request'],
        [{ method: 'PATCH', url: '/v2/auth/me', headers: A_JSON, payload: '{"tts_volume":"-Infinity"}' }, 400, 'invalid_request'],
        [{ method: 'PATCH', url: '/v2/auth/me', headers: A_JSON, payload: '{"tts_volume":1e309}' }, 400, 'invalid_request'],
        [{ method: 'PATCH', url: '/v2/auth/me', headers: A_JSON, payload: '{"gifts_volume":"1e309"}' }, 400, 'invalid_request'],
        [{ method: 'POST', url: '/v2/jobs', headers: A_JSON, payload: '{"template":"promo","product_name":"x","count":"Infinity"}' }, 400, 'invalid_request'],
        [{ method: 'POST', url: '/v2/jobs', headers: A_JSON, payload: '{"template":"promo","product_name":"x\\ud800"}' }, 400, 'invalid_request'],
        [{ method: 'GET', url: '/v2/jobs?limit=Infinity', headers: A }, 400, 'invalid_request'],
        [{ method: 'GET', url: '/v2/jobs?limit=1e309', headers: A }, 400, 'invalid_request'],
        [{ method: 'GET', url: '/v2/jobs/1e20', headers: A }, 404, 'job_not_found'],
        [{ method: 'GET', url: '/v2/jobs/9223372036854775808', headers: A }, 404, 'job_not_found'],
        [{ method: 'POST', url: '/v2/license/revoke', headers: admin, payload: '{"key":"12345678901234567890"}' }, 404, 'license_not_found'],
        [{ method: 'POST', url: '/v2/license/issue', headers: admin, payload: '{"plan":"pro","ttl_days":3,"note":"a\\u0000b"}' }, 400, 'invalid_request'],
        [{ method: 'POST', url: '/v2/providers/kie/callback', headers: { 'content-type': 'application/json' }, payload: '{"code":200,"data":{"taskId":"a\\u0000b","state":"generating"}}' }, 400, 'invalid_request'],
        [{ method: 'GET', url: '/v2/jobs/%zz', headers: A }, 400, 'invalid_url'],
        [{ method: 'GET', url: `/v2/jobs/${'9'.repeat(150)}`, headers: A }, 414, 'uri_too_long'],
      ];
      for (const [req, status, code] of cases) {
        const r = await t.app.inject(req);
        assert.equal(r.statusCode, status, `${req.method} ${req.url} ${String(req.payload)} → ${r.body}`);
        assert.equal(r.json().error.code, code, r.body);
      }
    });
  });
}
