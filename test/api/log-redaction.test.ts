/**
 * At LOG_LEVEL=debug every request is logged; no credential a client put in a query string
 * (or a header, or a body) may appear in any line, whatever the route or the outcome.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { makeLogger, redactUrlQuery } from '../../src/log.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { ADMIN_KEY, JWT_SECRET } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';

const SECRETS = ['hunter2-pass', 'eyJhbGciOiJIUzI1NiJ9.secret-jwt', 'tok-5ecret', 'key-5ecret', 'admin-5ecret', 'bearer-5ecret', 'body-pass-5ecret'];
const QUERY = `password=${SECRETS[0]}&jwt=${SECRETS[1]}&token=${SECRETS[2]}&Api_Key=${SECRETS[3]}&limit=5`;

let engine: TestEngine;
let store: Store;
let app: FastifyInstance;
const lines: string[] = [];

before(async () => {
  engine = await sqliteEngine();
  const config = testConfig({ ...engine.env, LOG_LEVEL: 'debug' });
  store = await openStore(config);
  await store.migrateUp();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = makeLogger({ ...config, log: { ...config.log, level: 'debug' } }, sink);
  app = await buildApp({ config, store, secrets: { jwtSecret: JWT_SECRET, adminApiKey: ADMIN_KEY }, logger });
});
after(async () => {
  await app.close();
  await store.close();
  await engine.cleanup();
});

test('redactUrlQuery keeps the path and harmless values, and redacts every other value', () => {
  assert.equal(redactUrlQuery('/v2/jobs'), '/v2/jobs');
  assert.equal(redactUrlQuery(`/v2/jobs?${QUERY}`), '/v2/jobs?password=[redacted]&jwt=[redacted]&token=[redacted]&Api_Key=[redacted]&limit=5');
  assert.equal(redactUrlQuery('/ws?token=abc&bare-secret&LIMIT=7'), '/ws?token=[redacted]&[redacted]&LIMIT=7');
  assert.equal(redactUrlQuery(`/v2/jobs?limit=${'9'.repeat(100)}`), '/v2/jobs?limit=[redacted]');
});

test('at debug level, no query value, header or body credential reaches the log on any outcome', async () => {
  const requests = [
    { method: 'GET' as const, url: `/health?${QUERY}` },
    { method: 'GET' as const, url: `/v2/jobs?${QUERY}`, headers: { authorization: `Bearer ${SECRETS[5]}` } },
    { method: 'GET' as const, url: `/v2/nothing?${QUERY}` },
    { method: 'GET' as const, url: `/v2/jobs/%zz?${QUERY}` },
    { method: 'POST' as const, url: `/v2/license/issue?${QUERY}`, headers: { 'admin-api-key': SECRETS[4] }, payload: { plan: 'pro', ttl_days: 1 } },
    { method: 'POST' as const, url: `/v2/auth/login?${QUERY}`, payload: { username: 'nobody', password: SECRETS[6] } },
    { method: 'POST' as const, url: `/v2/auth/login?${QUERY}`, payload: { username: 'nobody', password: [SECRETS[6]] } },
  ];
  for (const r of requests) await app.inject(r);
  const text = lines.join('\n');
  for (const path of ['/health', '/v2/jobs', '/v2/nothing', '/v2/license/issue', '/v2/auth/login']) assert.ok(text.includes(`"url":"${path}?`), `${path} logged:\n${text}`);
  assert.match(text, /"url":"\/health\?password=\[redacted\]&jwt=\[redacted\]&token=\[redacted\]&Api_Key=\[redacted\]&limit=5"/);
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} appears in:\n${text}`);
  const completed = lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request completed');
  assert.ok(completed.length >= requests.length - 1, text);
  assert.equal(new Set(completed.map((line) => line.reqId)).size, completed.length, 'each line carries its own request id');
  assert.ok(!/password=(?!\[redacted\])/.test(text) && !/jwt=(?!\[redacted\])/.test(text) && !/token=(?!\[redacted\])/.test(text), text);
});
