/**
 * Runs the rendered TLS config in a real nginx on free ports — in front of a tiny echo
 * upstream (it shows what nginx forwards and answers WebSocket upgrades, which ttops serve
 * does not have until the live hub lands) and in front of a real `ttops serve` — and checks
 * what clients see: the add_header inheritance trap, CORS, WebSocket upgrade, the ACME
 * webroot, the https redirect, JSON and errors from ttops through the proxy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { NGINX_FILES, renderNginxTls } from '../../src/ops/render/nginx.js';
import { startServe } from '../helpers/cli.js';
import { freePort, makeNginxSandbox, waitForPort, writeMainConf, writeTree } from './fixtures/render-helpers.js';

interface Reply { status: number; headers: IncomingHttpHeaders; body: string }

// nginx and openssl come from .ci/run (apt); without them these tests fail rather than skip.
const needsNginx = {};

test('the rendered TLS config serves media, proxies the API and upgrades WebSockets', needsNginx, async (t) => {
  // Upstream standing in for `ttops serve`: echoes what nginx forwarded; echoes WS bytes.
  const upstream = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  });
  upstream.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (chunk) => socket.write(chunk));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  t.after(() => upstream.close());

  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const box = makeNginxSandbox({ httpPort, httpsPort });
  t.after(() => rmSync(box.dir, { recursive: true, force: true }));
  const input = { ...box.input, upstreamPort: (upstream.address() as net.AddressInfo).port };
  writeTree('/', renderNginxTls(input));
  writeMainConf(box, [`${input.nginxDir}/conf.d/*.conf`, `${input.nginxDir}/${NGINX_FILES.site}`]);
  writeFileSync(`${input.mediaDir}/static/sounds/ding.mp3`, 'ID3-fake-audio');
  writeFileSync(`${input.acmeWebroot}/.well-known/acme-challenge/tok123`, 'tok123.thumbprint');

  const nginx = spawn('nginx', ['-c', box.mainConf, '-p', `${box.dir}/`, '-g', 'daemon off; master_process off;'], { stdio: 'ignore' });
  t.after(() => nginx.kill('SIGTERM'));
  await waitForPort(httpsPort);
  const ca = readFileSync(input.certPath);

  const request = (host: string, path: string, options: https.RequestOptions = {}, tls = true): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const lib = tls ? https : http;
      const req = lib.request(
        { host: '127.0.0.1', port: tls ? httpsPort : httpPort, path, servername: host, ca, agent: false, ...options, headers: { host, ...options.headers } },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        },
      );
      req.on('error', reject).end();
    });

  const media = await request(input.mediaDomain, '/static/sounds/ding.mp3');
  assert.equal(media.status, 200);
  assert.equal(media.body, 'ID3-fake-audio');
  assert.equal(media.headers['access-control-allow-origin'], '*');
  assert.equal(media.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains', 'HSTS survives location add_header');
  assert.equal(media.headers['x-content-type-options'], 'nosniff');
  assert.equal(media.headers['cache-control'], 'max-age=604800');

  const preflight = await request(input.mediaDomain, '/static/sounds/ding.mp3', { method: 'OPTIONS' });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], '*');
  assert.equal(preflight.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains');

  assert.equal((await request(input.mediaDomain, '/static/sounds/')).status, 404, 'no directory listing');
  assert.equal((await request(input.mediaDomain, '/static/nope.mp3')).headers['access-control-allow-origin'], '*', 'CORS on 404 too');

  const api = await request(input.apiDomain, '/v2/auth/me?x=1');
  assert.equal(api.status, 200);
  const seen = JSON.parse(api.body) as { url: string; headers: IncomingHttpHeaders };
  assert.equal(seen.url, '/v2/auth/me?x=1');
  assert.equal(seen.headers.host, input.apiDomain);
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(api.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains');
  assert.equal(api.headers['x-frame-options'], 'DENY');
  assert.equal((await request(input.apiDomain, '/metrics')).status, 404, '/metrics is not public');

  const echoed = await new Promise<string>((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: httpsPort, path: '/v2/ws?token=secret-jwt', servername: input.apiDomain, ca, agent: false,
      headers: { host: input.apiDomain, connection: 'Upgrade', upgrade: 'websocket' },
    });
    req.on('upgrade', (_res, socket) => {
      socket.once('data', (chunk: Buffer) => { socket.destroy(); resolve(chunk.toString()); });
      socket.write('ping');
    });
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on('error', reject).end();
  });
  assert.equal(echoed, 'ping');

  const redirect = await request(input.apiDomain, '/v2/auth/me?x=1', {}, false);
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, `https://${input.apiDomain}/v2/auth/me?x=1`);
  const challenge = await request(input.mediaDomain, '/.well-known/acme-challenge/tok123', {}, false);
  assert.equal(challenge.status, 200);
  assert.equal(challenge.body, 'tok123.thumbprint');

  // nginx writes the WebSocket line when that connection closes; give it a moment.
  let log = '';
  for (let i = 0; i < 40 && !log.includes('/v2/ws'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    log = readFileSync(`${input.logDir}/ttops-api.access.log`, 'utf8');
  }
  assert.match(log, /"GET \/v2\/ws HTTP\/1\.1" 101 /);
  assert.doesNotMatch(log, /secret-jwt/, 'tokens in the query string stay out of the access log');
});

test('the rendered TLS config in front of a real ttops serve: JSON, errors and the client address go through', needsNginx, async (t) => {
  const home = mkdtempSync(path.join(tmpdir(), 'ttops-nginx-serve-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const server = await startServe({ TTOPS_HOME: home, AUTH_RATE_LIMIT: '2' });
  t.after(() => server.child.kill('SIGTERM'));
  const upstreamPort = Number(new URL(server.url).port);

  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const box = makeNginxSandbox({ httpPort, httpsPort });
  t.after(() => rmSync(box.dir, { recursive: true, force: true }));
  const input = { ...box.input, upstreamPort };
  writeTree('/', renderNginxTls(input));
  writeMainConf(box, [`${input.nginxDir}/conf.d/*.conf`, `${input.nginxDir}/${NGINX_FILES.site}`]);
  const nginx = spawn('nginx', ['-c', box.mainConf, '-p', `${box.dir}/`, '-g', 'daemon off; master_process off;'], { stdio: 'ignore' });
  t.after(() => nginx.kill('SIGTERM'));
  await waitForPort(httpsPort);
  const ca = readFileSync(input.certPath);

  const call = (method: string, pathname: string, body?: object, forwardedFor?: string): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const payload = body ? JSON.stringify(body) : undefined;
      const req = https.request(
        {
          host: '127.0.0.1', port: httpsPort, path: pathname, method, servername: input.apiDomain, ca, agent: false,
          headers: { host: input.apiDomain, ...(payload ? { 'content-type': 'application/json' } : {}), ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject).end(payload);
    });

  const root = await call('GET', '/');
  assert.equal(root.status, 200);
  assert.equal(JSON.parse(root.body).service, 'ttops');
  assert.equal(root.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains');
  assert.equal(JSON.parse((await call('GET', '/ready')).body).checks.store.status, 'pass');
  const me = await call('GET', '/v2/auth/me');
  assert.equal(me.status, 401);
  assert.equal(JSON.parse(me.body).error.code, 'token_missing');
  // nginx appends the real client to X-Forwarded-For and ttops trusts only its loopback proxy,
  // so a client cannot dodge the per-IP limit by sending its own header.
  const limited = [];
  for (const spoof of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) limited.push((await call('POST', '/v2/auth/login', { username: 'nobody', password: 'x' }, spoof)).status);
  assert.deepEqual(limited, [401, 401, 429]);
});
