/**
 * `ttops serve` as a real process on both engines: the post-deploy checklist over real
 * HTTP, then a graceful SIGTERM.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENGINES } from '../helpers/engines.js';
import { startServe, stop, ttops } from '../helpers/cli.js';

const ADMIN = 'e2e-admin-key-4f3a9c1b7d2e8f6a0b5c3d9e';
const JWT = 'e2e-jwt-secret-8c6b2a9f1e7d3c5b0a4f8e2d6c1b';

for (const { name, make } of ENGINES) {
  test(`post-deploy checklist against a running ttops serve (${name}, prod)`, async () => {
    const engine = await make();
    const env = { ...engine.env, TTOPS_ENV: 'prod', JWT_SECRET: JWT, ADMIN_API_KEY: ADMIN };
    assert.equal((await ttops(['migrate', 'up'], env)).code, 0);
    const server = await startServe(env);
    try {
      const call = async (method: string, path: string, body?: object, headers: Record<string, string> = {}) => {
        const r = await fetch(`${server.url}${path}`, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body && JSON.stringify(body) });
        return { status: r.status, json: (await r.json()) as Record<string, any> };
      };
      const root = await call('GET', '/');
      assert.equal(root.status, 200);
      assert.equal(root.json.service, 'ttops');
      assert.equal(root.json.env, 'prod');
      assert.equal(root.json.server_host, server.url);

      const issued = await call('POST', '/v2/license/issue', { plan: 'pro', ttl_days: 30 }, { 'admin-api-key': ADMIN });
      assert.equal(issued.status, 200);
      const redeemed = await call('POST', '/v2/auth/redeem-license', { username: 'checklist', password: 'check-list-pass', license_key: issued.json.key });
      assert.equal(redeemed.status, 200);
      const me = await call('GET', '/v2/auth/me', undefined, { authorization: `Bearer ${redeemed.json.access_token}` });
      assert.equal(me.status, 200);
      assert.equal(me.json.username, 'checklist');
      const login = await call('POST', '/v2/auth/login', { username: 'checklist', password: 'check-list-pass' });
      assert.equal(login.status, 200);
      const again = await call('POST', '/v2/auth/redeem-license', { username: 'other', password: 'other-pass-1', license_key: issued.json.key });
      assert.equal(again.status, 409);
      assert.equal(again.json.error.code, 'license_already_redeemed');
      assert.equal((await call('GET', '/ready')).status, 200);
      assert.doesNotMatch(server.stderr(), new RegExp(`${ADMIN}|${JWT}|check-list-pass|${redeemed.json.access_token}`), 'no secret in the logs');
    } finally {
      const started = Date.now();
      assert.equal(await stop(server.child), 0, 'SIGTERM drains and exits 0');
      assert.ok(Date.now() - started < 5000);
      await engine.cleanup();
    }
  });
}

test('a bare dev serve migrates SQLite by itself and generates its secrets', async () => {
  const engine = ENGINES[0];
  const e = await engine.make();
  const server = await startServe(e.env);
  try {
    const ready = await fetch(`${server.url}/ready`);
    assert.equal(ready.status, 200);
  } finally {
    assert.equal(await stop(server.child, 'SIGINT'), 0);
    await e.cleanup();
  }
});
