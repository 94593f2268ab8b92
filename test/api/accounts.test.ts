/**
 * The HTTP contract of licenses and accounts, on both engines, through `app.inject`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { SignJWT } from 'jose';
import { ADMIN_KEY, JWT_SECRET, makeTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

const ME_FIELDS = ['id', 'username', 'voice_id', 'tts_enabled', 'gift_sounds_enabled', 'tts_volume', 'gifts_volume', 'tiktok_username', 'plan', 'license_expires_at', 'credits'];

for (const { name, make } of ENGINES) {
  describe(`accounts API on ${name}`, () => {
    let engine: TestEngine;
    let t: TestApp;
    let ip = 0;
    // A different client address per call keeps the per-IP auth limit out of the way.
    const from = () => ({ 'x-forwarded-for': `10.1.${Math.floor(++ip / 250)}.${ip % 250}` });
    const issue = async (body: object = { plan: 'pro', ttl_days: 30 }) =>
      t.app.inject({ method: 'POST', url: '/v2/license/issue', headers: { 'admin-api-key': ADMIN_KEY }, payload: body });
    const redeem = (payload: object) => t.app.inject({ method: 'POST', url: '/v2/auth/redeem-license', headers: from(), payload });
    const login = (payload: object) => t.app.inject({ method: 'POST', url: '/v2/auth/login', headers: from(), payload });
    const me = (token: string) => t.app.inject({ method: 'GET', url: '/v2/auth/me', headers: { authorization: `Bearer ${token}` } });

    before(async () => {
      engine = await make();
      t = await makeTestApp(engine);
    });
    after(async () => {
      await t.close();
      await engine.cleanup();
    });

    test('the post-deploy checklist: seed, issue, redeem, me, login, second redeem refused', async () => {
      const root = await t.app.inject({ method: 'GET', url: '/' });
      assert.deepEqual(Object.keys(root.json()).sort(), ['env', 'server_host', 'service', 'status', 'tts_base_url']);
      assert.equal(root.json().status, 'ok');

      const issued = await issue();
      assert.equal(issued.statusCode, 200);
      assert.match(issued.json().key, /^TTB-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      assert.equal(issued.json().plan, 'pro');

      const redeemed = await redeem({ username: 'streamer1', password: 'correct-horse', license_key: issued.json().key });
      assert.equal(redeemed.statusCode, 200, redeemed.body);
      const auth = redeemed.json();
      assert.deepEqual(Object.keys(auth).sort(), ['access_token', 'license_expires_at', 'plan', 'token_type']);
      assert.equal(auth.token_type, 'bearer');

      const profile = await me(auth.access_token);
      assert.equal(profile.statusCode, 200);
      assert.deepEqual(Object.keys(profile.json()).sort(), [...ME_FIELDS].sort());
      assert.equal(profile.json().voice_id, 'ru-RU-SvetlanaNeural');
      assert.equal(profile.json().tts_volume, 100);
      assert.equal(profile.json().plan, 'pro');

      const logged = await login({ username: 'streamer1', password: 'correct-horse' });
      assert.equal(logged.statusCode, 200);
      assert.equal((await me(logged.json().access_token)).json().id, profile.json().id);

      const again = await redeem({ username: 'someone-else', password: 'whatever-pass', license_key: issued.json().key });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 'license_already_redeemed');
    });

    test('a second key extends an existing account when the password matches', async () => {
      const first = (await me((await login({ username: 'streamer1', password: 'correct-horse' })).json().access_token)).json();
      const key = (await issue({ plan: 'pro', ttl_days: 7 })).json().key;
      const wrong = await redeem({ username: 'streamer1', password: 'not-the-password', license_key: key });
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().error.code, 'invalid_credentials');
      const ok = await redeem({ username: 'STREAMER1', password: 'correct-horse', license_key: key.toLowerCase().replace(/-/g, ' ') });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(Date.parse(ok.json().license_expires_at) - Date.parse(first.license_expires_at), 7 * 86_400_000);
    });

    test('the JWT never outlives the license', async () => {
      const key = (await issue({ plan: 'pro', ttl_days: 1 })).json().key;
      const auth = (await redeem({ username: 'shortlived', password: 'password-1', license_key: key })).json();
      const payload = JSON.parse(Buffer.from(auth.access_token.split('.')[1], 'base64url').toString());
      assert.ok(payload.exp * 1000 <= Date.parse(auth.license_expires_at));
    });

    test('100 concurrent redeems of one key: one 200, ninety-nine 409 license_already_redeemed', async () => {
      const key = (await issue()).json().key;
      const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => redeem({ username: `crowd${i}`, password: 'crowd-password', license_key: key })));
      const codes = responses.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 200).length, 1, JSON.stringify(codes));
      assert.equal(codes.filter((c) => c === 409).length, 99);
      assert.ok(responses.filter((r) => r.statusCode === 409).every((r) => r.json().error.code === 'license_already_redeemed'));
    });

    test('revoking a key through the API logs its user out', async () => {
      const key = (await issue()).json().key;
      const auth = (await redeem({ username: 'revokee', password: 'password-2', license_key: key })).json();
      assert.equal((await me(auth.access_token)).statusCode, 200);
      const revoked = await t.app.inject({ method: 'POST', url: '/v2/license/revoke', headers: { 'admin-api-key': ADMIN_KEY }, payload: { key } });
      assert.equal(revoked.statusCode, 200);
      assert.equal(revoked.json().status, 'revoked');
      assert.match(revoked.json().key, /^TTB-\*{4}-\*{4}-/);
      const after = await me(auth.access_token);
      assert.equal(after.statusCode, 401);
      assert.equal(after.json().error.code, 'token_revoked');
      const relogin = await login({ username: 'revokee', password: 'password-2' });
      assert.equal(relogin.statusCode, 403);
      assert.equal(relogin.json().error.code, 'license_expired');
    });

    test('PATCH /v2/auth/me changes settings and validates them', async () => {
      const token = (await login({ username: 'streamer1', password: 'correct-horse' })).json().access_token;
      const patch = (payload: unknown) => t.app.inject({ method: 'PATCH', url: '/v2/auth/me', headers: { authorization: `Bearer ${token}` }, payload: payload as object });
      const ok = await patch({ tts_volume: 35, tts_enabled: false, tiktok_username: '@my_stream', voice_id: 'en-US-AriaNeural' });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().tts_volume, 35);
      assert.equal(ok.json().tts_enabled, false);
      assert.equal(ok.json().tiktok_username, 'my_stream');
      assert.equal(ok.json().gifts_volume, 100);
      assert.equal((await me(token)).json().voice_id, 'en-US-AriaNeural');
      for (const bad of [{ tts_volume: 150 }, { gifts_volume: -1 }, { tts_enabled: 'maybe' }, {}, { tiktok_username: 'has spaces!' }]) {
        const r = await patch(bad);
        assert.equal(r.statusCode, 400, JSON.stringify(bad));
        assert.equal(r.json().error.code, 'invalid_request');
      }
    });

    test('bad input gets a coded 4xx, never a 500', async () => {
      const cases: { req: InjectOptions; status: number; code: string }[] = [
        { req: { method: 'POST', url: '/v2/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"username":' }, status: 400, code: 'invalid_json' },
        { req: { method: 'POST', url: '/v2/auth/login', headers: { 'content-type': 'application/json' }, payload: '' }, status: 400, code: 'invalid_json' },
        { req: { method: 'POST', url: '/v2/auth/login', headers: { 'content-type': 'application/xml' }, payload: '<a/>' }, status: 415, code: 'unsupported_media_type' },
        { req: { method: 'POST', url: '/v2/auth/login', payload: { username: 'streamer1' } }, status: 400, code: 'invalid_request' },
        { req: { method: 'POST', url: '/v2/auth/login', payload: { username: { $ne: 1 }, password: 'x' } }, status: 400, code: 'invalid_request' },
        { req: { method: 'POST', url: '/v2/auth/login', payload: { username: 'streamer1', password: 'wrong-password' } }, status: 401, code: 'invalid_credentials' },
        { req: { method: 'POST', url: '/v2/auth/login', payload: { username: 'nobody-here', password: 'whatever' } }, status: 401, code: 'invalid_credentials' },
        { req: { method: 'POST', url: '/v2/auth/redeem-license', payload: { username: 'x1y2z3', password: 'password-3', license_key: 'TTB-0000-0000-0000' } }, status: 404, code: 'license_not_found' },
        { req: { method: 'POST', url: '/v2/auth/redeem-license', payload: { username: 'x1y2z3', password: 'password-3', license_key: 'nonsense' } }, status: 400, code: 'license_key_malformed' },
        { req: { method: 'POST', url: '/v2/license/issue', payload: { plan: 'pro', ttl_days: 30 } }, status: 401, code: 'admin_key_missing' },
        { req: { method: 'POST', url: '/v2/license/issue', headers: { 'admin-api-key': `${ADMIN_KEY}x` }, payload: { plan: 'pro', ttl_days: 30 } }, status: 401, code: 'admin_key_invalid' },
        { req: { method: 'POST', url: '/v2/license/issue', headers: { 'admin-api-key': ADMIN_KEY }, payload: { plan: 'pro', ttl_days: 'abc' } }, status: 400, code: 'invalid_request' },
        { req: { method: 'POST', url: '/v2/license/issue', headers: { 'admin-api-key': ADMIN_KEY }, payload: { plan: 'bad plan!', ttl_days: 3 } }, status: 400, code: 'invalid_plan' },
        { req: { method: 'POST', url: '/v2/license/revoke', headers: { 'admin-api-key': ADMIN_KEY }, payload: { key: 'TTB-0000-0000-0001' } }, status: 404, code: 'license_not_found' },
        { req: { method: 'GET', url: '/v2/auth/me' }, status: 401, code: 'token_missing' },
        { req: { method: 'GET', url: '/v2/nothing-here' }, status: 404, code: 'not_found' },
      ];
      for (const c of cases) {
        const r = await t.app.inject({ ...c.req, headers: { ...from(), ...c.req.headers } });
        assert.equal(r.statusCode, c.status, `${c.req.method} ${c.req.url} ${JSON.stringify(c.req.payload)} → ${r.body}`);
        assert.equal(r.json().error.code, c.code, r.body);
        assert.equal(typeof r.json().error.message, 'string');
      }
    });

    test('expired, tampered, foreign-key and alg:none tokens are refused with 401', async () => {
      const valid = (await login({ username: 'streamer1', password: 'correct-horse' })).json().access_token as string;
      const [h, p, s] = valid.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const key = new TextEncoder().encode(JWT_SECRET);
      const expired = await new SignJWT({ ver: claims.ver }).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub).setIssuedAt(1).setExpirationTime(2).sign(key);
      const foreign = await new SignJWT({ ver: claims.ver }).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub).setExpirationTime('1h').sign(new TextEncoder().encode('another-secret-entirely-0123456789'));
      const tamperedPayload = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 })).toString('base64url');
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
      const cases = [
        [expired, 'token_expired'],
        [`${h}.${tamperedPayload}.${s}`, 'token_invalid'],
        [foreign, 'token_invalid'],
        [none, 'token_invalid'],
        ['not-a-jwt', 'token_invalid'],
      ];
      for (const [token, code] of cases) {
        const r = await me(token);
        assert.equal(r.statusCode, 401, token);
        assert.equal(r.json().error.code, code);
      }
    });

    test('auth routes are rate limited per IP with x-ratelimit headers', async () => {
      const headers = { 'x-forwarded-for': '192.0.2.77' };
      let last;
      for (let i = 0; i <= t.config.authRateLimit; i++) {
        last = await t.app.inject({ method: 'POST', url: '/v2/auth/login', headers, payload: { username: 'nobody', password: 'x' } });
        if (i === 0) {
          assert.equal(last.headers['x-ratelimit-limit'], String(t.config.authRateLimit));
          assert.equal(last.headers['x-ratelimit-remaining'], String(t.config.authRateLimit - 1));
        }
      }
      assert.equal(last!.statusCode, 429);
      assert.equal(last!.json().error.code, 'rate_limited');
      assert.ok(Number(last!.headers['retry-after']) > 0);
      const other = await t.app.inject({ method: 'POST', url: '/v2/auth/login', headers: { 'x-forwarded-for': '192.0.2.78' }, payload: { username: 'nobody', password: 'x' } });
      assert.equal(other.statusCode, 401, 'another address is not limited');
    });
  });
}
