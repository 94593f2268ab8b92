/**
 * `ttops healthcheck` and checkHealth: the classification against small local servers,
 * then the real binary against a real `ttops serve` (healthy, pending migrations),
 * a port with nothing listening and bad flags.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { checkHealth, healthExitCode, readyUrl, renderHealth } from '../../src/ops/health/check.js';
import { EXIT, InvalidInputError } from '../../src/errors.js';
import { startServe, stop, ttops } from '../helpers/cli.js';
import { sqliteEngine } from '../helpers/engines.js';
import { freePort } from '../helpers/ports.js';

const SECRETS = { JWT_SECRET: 'hc-jwt-secret-5d1c9b7a3e2f8064a1b2c3d4e5f6', ADMIN_API_KEY: 'hc-admin-key-7e3b1a9c5d2f80641f2e3d4c5b6a' };

/** A local server answering every request with `handler`; counts requests. */
async function serve(handler: (hits: number) => { status: number; body: string; type?: string } | 'hang'): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits += 1;
    const answer = handler(hits);
    if (answer === 'hang') return;
    res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/health+json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}


test('readyUrl appends /ready once and refuses what is not http(s)', () => {
  assert.equal(readyUrl('http://127.0.0.1:8000'), 'http://127.0.0.1:8000/ready');
  assert.equal(readyUrl('https://api.example.com/'), 'https://api.example.com/ready');
  assert.equal(readyUrl('https://api.example.com/ready'), 'https://api.example.com/ready');
  assert.equal(readyUrl('https://example.com/ttops/'), 'https://example.com/ttops/ready');
  assert.throws(() => readyUrl('not a url'), InvalidInputError);
  assert.throws(() => readyUrl('ftp://example.com'), (e: InvalidInputError) => e.exitCode === EXIT.usage);
});

test('pass and warn are healthy; a failing check is unhealthy and named', async () => {
  let body = { status: 'pass', checks: { store: { status: 'pass' } } };
  const s = await serve(() => ({ status: body.status === 'fail' ? 503 : 200, body: JSON.stringify(body) }));
  try {
    const pass = await checkHealth({ url: s.url });
    assert.deepEqual([pass.outcome, pass.status, pass.httpStatus, pass.attempts, healthExitCode(pass)], ['healthy', 'pass', 200, 1, 0]);
    body = { status: 'warn', checks: { store: { status: 'warn' } } };
    assert.equal((await checkHealth({ url: s.url })).outcome, 'healthy');
    body = { status: 'fail', checks: { store: { status: 'pass' }, migrations: { status: 'fail', output: 'pending migrations: 0002_jobs' } } as never };
    const fail = await checkHealth({ url: s.url });
    assert.deepEqual([fail.outcome, fail.status, fail.httpStatus, healthExitCode(fail)], ['unhealthy', 'fail', 503, 1]);
    assert.equal(fail.error, 'failing: migrations');
    assert.match(renderHealth(fail), /^unhealthy \(fail\) — http:\/\/127\.0\.0\.1:\d+\/ready \(HTTP 503, 1 attempt, \d+ ms\)\n {2}failing: migrations\n {2}pass {2}store\n {2}fail {2}migrations {2}pending migrations: 0002_jobs$/);
  } finally {
    await s.close();
  }
});

test('5xx is retried until it recovers; a 4xx or a non-health body is not retried', async () => {
  const flaky = await serve((hit) => (hit < 3 ? { status: 502, body: '<html>Bad Gateway</html>', type: 'text/html' } : { status: 200, body: '{"status":"pass","checks":{}}' }));
  const missing = await serve(() => ({ status: 404, body: 'not found', type: 'text/plain' }));
  try {
    const recovered = await checkHealth({ url: flaky.url, retries: 5, intervalMs: 10 });
    assert.deepEqual([recovered.outcome, recovered.attempts, flaky.hits()], ['healthy', 3, 3]);
    const gone = await checkHealth({ url: missing.url, retries: 5, intervalMs: 10 });
    assert.deepEqual([gone.outcome, gone.attempts, gone.httpStatus, missing.hits()], ['unhealthy', 1, 404, 1]);
    assert.match(gone.error ?? '', /without a health\+json body/);
  } finally {
    await flaky.close();
    await missing.close();
  }
});

test('a server that never answers is unreachable after the timeout, on every attempt', async () => {
  const s = await serve(() => 'hang');
  try {
    const started = Date.now();
    const result = await checkHealth({ url: s.url, timeoutMs: 200, retries: 1, intervalMs: 10 });
    assert.deepEqual([result.outcome, result.status, result.attempts, s.hits(), healthExitCode(result)], ['unreachable', 'unreachable', 2, 2, 3]);
    assert.match(result.error ?? '', /no answer within 0\.2 s/);
    assert.ok(Date.now() - started < 2000);
  } finally {
    await s.close();
  }
});

test('ttops healthcheck against a real serve: healthy → 0 with per-check lines and JSON', async () => {
  const engine = await sqliteEngine();
  const server = await startServe(engine.env);
  try {
    const human = await ttops(['healthcheck', '--url', server.url], {});
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^healthy \(pass\) — http:\/\/127\.0\.0\.1:\d+\/ready \(HTTP 200, 1 attempt/);
    assert.match(human.stdout, /\n {2}pass {2}store +\{"engine":"sqlite"/);
    assert.match(human.stdout, /\n {2}pass {2}migrations/);
    const json = await ttops(['healthcheck', '--url', server.url, '--json'], {});
    assert.equal(json.code, 0);
    const out = JSON.parse(json.stdout);
    assert.deepEqual(Object.keys(out).sort(), ['attempts', 'checks', 'elapsed_ms', 'http_status', 'outcome', 'status', 'url']);
    assert.equal(out.url, `${server.url}/ready`);
    assert.equal(out.status, 'pass');
    assert.equal(out.attempts, 1);
    assert.equal(out.checks.store.status, 'pass');
    assert.equal(typeof out.elapsed_ms, 'number');
    // Without --url it checks SERVER_HOST.
    const byConfig = await ttops(['healthcheck', '--json'], { ...engine.env, SERVER_HOST: server.url });
    assert.equal(byConfig.code, 0, byConfig.stderr);
    assert.equal(JSON.parse(byConfig.stdout).url, `${server.url}/ready`);
  } finally {
    assert.equal(await stop(server.child), 0);
    await engine.cleanup();
  }
});

test('ttops healthcheck against prod with pending migrations → 1, naming the failing check', async () => {
  const engine = await sqliteEngine();
  const server = await startServe({ ...engine.env, TTOPS_ENV: 'prod', ...SECRETS });
  try {
    const human = await ttops(['healthcheck', '--url', server.url, '--retries', '1', '--interval', '0.05'], {});
    assert.equal(human.code, EXIT.failure, human.stderr);
    assert.match(human.stdout, /^unhealthy \(fail\) .*\(HTTP 503, 2 attempts/);
    assert.match(human.stdout, /\n {2}fail {2}migrations +pending migrations: 0001_foundation/);
    const json = JSON.parse((await ttops(['healthcheck', '--url', server.url, '--json'], {})).stdout);
    assert.equal(json.status, 'fail');
    assert.equal(json.http_status, 503);
    assert.equal(json.checks.migrations.status, 'fail');
    assert.equal(json.checks.store.status, 'pass');
  } finally {
    assert.equal(await stop(server.child), 0);
    await engine.cleanup();
  }
});

test('ttops healthcheck with nothing listening → 3 after the retries, within the time budget', async () => {
  const port = await freePort();
  const started = Date.now();
  const result = await ttops(['healthcheck', '--url', `http://127.0.0.1:${port}`, '--json', '--retries', '2', '--interval', '0.1', '--timeout', '1'], {});
  assert.equal(result.code, EXIT.unreachable, result.stderr);
  const json = JSON.parse(result.stdout);
  assert.equal(json.status, 'unreachable');
  assert.equal(json.attempts, 3);
  assert.equal(json.http_status, null);
  assert.match(json.error, /connection refused/);
  assert.ok(Date.now() - started < 5000, 'three refused attempts take well under the timeout');
  const human = await ttops(['healthcheck', '--url', `http://127.0.0.1:${port}`], {});
  assert.equal(human.code, EXIT.unreachable);
  assert.match(human.stdout, /^unreachable — .*\n {2}connection refused/);
});

test('ttops healthcheck with a bad URL or flag → 2', async () => {
  for (const args of [['--url', 'not a url'], ['--url', 'ftp://example.com'], ['--retries', '-1'], ['--timeout', 'soon'], ['--interval', '-1']]) {
    const result = await ttops(['healthcheck', ...args], {});
    assert.equal(result.code, EXIT.usage, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stdout, '');
  }
  const bad = await ttops(['healthcheck', '--url', 'not a url'], {});
  assert.match(bad.stderr, /--url "not a url" is not a URL/);
});
