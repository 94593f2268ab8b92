/**
 * Errors raised before any route (Node's HTTP parser, Node's Expect check, Fastify's
 * router), seen by a raw client on a real port: each is a proper HTTP response whose body
 * is `{error:{code,message}}` with a stable code — never an empty body or another shape.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';

let engine: TestEngine;
let t: TestApp;
let port = 0;

before(async () => {
  engine = await sqliteEngine();
  t = await makeTestApp(engine);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
});
after(async () => {
  await t.close();
  await engine.cleanup();
});

/** Sends raw bytes and reads until the server closes or a whole final response has arrived. */
function rawRequest(bytes: string | Buffer): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    // Interim 100 Continue responses are skipped: the final response is the one that counts.
    const received = () => Buffer.concat(chunks).toString('utf8').replace(/^(HTTP\/1\.1 100 Continue\r\n\r\n)+/, '');
    const finish = () => {
      const text = received();
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const body = rest.join('\r\n\r\n');
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: headers['content-length'] ? body.slice(0, Number(headers['content-length'])) : body });
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const text = received();
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
      if (end >= 0 && length && Buffer.byteLength(text.slice(end + 4)) >= Number(length[1])) {
        socket.destroy();
        finish();
      }
    });
    socket.on('end', finish);
    socket.on('error', (error) => (chunks.length ? finish() : reject(error)));
    socket.write(bytes);
  });
}

const cases: { name: string; bytes: () => string; status: number; code: string }[] = [
  { name: 'a bad %-escape in the path', bytes: () => 'GET /v2/jobs/%zz HTTP/1.1\r\nHost: x\r\n\r\n', status: 400, code: 'invalid_url' },
  { name: 'an over-long path parameter', bytes: () => `GET /v2/jobs/${'1'.repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`, status: 414, code: 'uri_too_long' },
  { name: 'a malformed request line', bytes: () => 'GET\u0001 / HTTP/1.1\r\nHost: x\r\n\r\n', status: 400, code: 'bad_request' },
  { name: 'garbage instead of HTTP', bytes: () => 'HELLO THERE\r\n\r\n', status: 400, code: 'bad_request' },
  { name: 'a header line without a colon', bytes: () => 'GET / HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n', status: 400, code: 'bad_request' },
  { name: 'headers over 16 KB', bytes: () => `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`, status: 431, code: 'headers_too_large' },
  { name: 'HTTP/1.1 without Host', bytes: () => 'GET /health HTTP/1.1\r\n\r\n', status: 400, code: 'missing_host' },
  { name: 'an unknown Expect', bytes: () => 'POST /v2/auth/login HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 0\r\n\r\n', status: 417, code: 'expectation_failed' },
];

for (const c of cases) {
  test(`${c.name} answers ${c.status} ${c.code} with the JSON error shape`, async () => {
    const r = await rawRequest(c.bytes());
    assert.equal(r.status, c.status, `${r.status} ${r.body}`);
    assert.match(r.headers['content-type'] ?? '', /^application\/json/);
    const body = JSON.parse(r.body) as { error: { code: string; message: string } };
    assert.equal(body.error.code, c.code);
    assert.equal(typeof body.error.message, 'string');
    assert.ok(body.error.message.length > 0);
  });
}

test('HTTP/1.0 without Host is still served, and the port keeps answering after every bad request', async () => {
  const r = await rawRequest('GET /health HTTP/1.0\r\n\r\n');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(JSON.parse(r.body), { status: 'pass' });
  const ok = await rawRequest('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(ok.status, 200);
});

test('Expect: 100-continue still works', async () => {
  const body = '{"username":"nobody","password":"x"}';
  const r = await rawRequest(`POST /v2/auth/login HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  assert.equal(r.status, 401, r.body);
  assert.equal(JSON.parse(r.body).error.code, 'invalid_credentials');
});
