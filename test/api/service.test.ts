/** Service endpoints: health, readiness with per-check detail, metrics. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';

let engine: TestEngine;
let t: TestApp;
before(async () => {
  engine = await sqliteEngine();
  t = await makeTestApp(engine, { SERVER_HOST: 'https://api.example.com', MEDIA_BASE_URL: 'https://media.example.com' });
});
after(async () => {
  await t.close();
  await engine.cleanup();
});

test('GET / has the seed shape with the public URLs', async () => {
  const r = await t.app.inject({ method: 'GET', url: '/' });
  assert.deepEqual(r.json(), { status: 'ok', service: 'ttops', env: 'dev', server_host: 'https://api.example.com', tts_base_url: 'https://media.example.com' });
});

test('/health is application/health+json pass', async () => {
  const r = await t.app.inject({ method: 'GET', url: '/health' });
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /^application\/health\+json/);
  assert.deepEqual(r.json(), { status: 'pass' });
});

test('/ready passes when migrated and answers 503 naming the pending migration otherwise', async () => {
  const ok = await t.app.inject({ method: 'GET', url: '/ready' });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().checks.store.status, 'pass');
  assert.equal(ok.json().checks.migrations.status, 'pass');
  await t.store.migrateDown(3);
  const pending = await t.app.inject({ method: 'GET', url: '/ready' });
  assert.equal(pending.statusCode, 503);
  assert.match(String(pending.headers['content-type']), /^application\/health\+json/);
  assert.equal(pending.json().status, 'fail');
  assert.equal(pending.json().checks.migrations.status, 'fail');
  assert.deepEqual(pending.json().checks.migrations.observedValue, ['0004_claim_plan', '0005_streamers', '0006_bot']);
  await t.store.migrateUp();
});

test('/ready reports an unreachable store as 503 with the store check failing', async () => {
  const other = await sqliteEngine();
  const broken = await makeTestApp(other);
  await broken.store.close();
  const r = await broken.app.inject({ method: 'GET', url: '/ready' });
  assert.equal(r.statusCode, 503);
  assert.equal(r.json().checks.store.status, 'fail');
  await broken.app.close();
  await other.cleanup();
});

test('/metrics exposes request latency by route in Prometheus text', async () => {
  await t.app.inject({ method: 'GET', url: '/health' });
  const r = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain/);
  assert.match(r.body, /ttops_http_request_duration_seconds_count\{method="GET",route="\/health",status_code="200"\} \d+/);
  assert.match(r.body, /ttops_process_cpu_user_seconds_total/);
});
