/**
 * Runs the rendered TLS config in a real nginx on free ports, in front of a tiny upstream,
 * and checks what clients see: the add_header inheritance trap, CORS, WebSocket upgrade,
 * the ACME webroot and the https redirect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { NGINX_FILES, renderNginxTls } from '../../src/ops/render/nginx.js';
import { makeNginxSandbox, writeMainConf, writeTree } from './fixtures/render-helpers.js';

interface Reply { status: number; headers: IncomingHttpHeaders; body: string }

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, deadline = Date.now() + 5000): Promise<void> {
  while (Date.now() < deadline) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); }).on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

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
