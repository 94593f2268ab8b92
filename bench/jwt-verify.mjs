#!/usr/bin/env node
/**
 * What one HS256 verification costs, the way ttops does it (jose `jwtVerify` with the secret
 * as a Uint8Array, so WebCrypto re-imports the key every call) against the same call with a
 * key imported once, and a plain node:crypto HMAC. In-process, no I/O; CPU time counts the
 * libuv threadpool too, where WebCrypto runs HMAC jobs.
 *
 *   node bench/jwt-verify.mjs [--iterations 50000] [--json]
 */
import { createHmac, createSecretKey, randomBytes, timingSafeEqual, webcrypto } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT, jwtVerify } from 'jose';
import { round, table } from './lib.mjs';

const { values: flags } = parseArgs({ options: { iterations: { type: 'string', default: '50000' }, json: { type: 'boolean', default: false } } });
const n = Number(flags.iterations);
const secret = randomBytes(48).toString('base64url');
const bytes = new TextEncoder().encode(secret);
const token = await new SignJWT({ ver: 0 }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject('1').setIssuedAt().setExpirationTime('30d').sign(bytes);
const cryptoKey = await webcrypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
const keyObject = createSecretKey(bytes);

/** A minimal synchronous HS256 check (signature only), for scale. */
function nodeHmac(t) {
  const dot = t.lastIndexOf('.');
  const expected = createHmac('sha256', bytes).update(t.slice(0, dot)).digest();
  const given = Buffer.from(t.slice(dot + 1), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('bad signature');
  return JSON.parse(Buffer.from(t.slice(t.indexOf('.') + 1, dot), 'base64url').toString());
}

const cases = [
  ['jose jwtVerify, Uint8Array secret (ttops today)', () => jwtVerify(token, bytes, { algorithms: ['HS256'] })],
  ['jose jwtVerify, CryptoKey imported once', () => jwtVerify(token, cryptoKey, { algorithms: ['HS256'] })],
  ['jose jwtVerify, KeyObject made once', () => jwtVerify(token, keyObject, { algorithms: ['HS256'] })],
  ['node:crypto createHmac (sync, signature + payload only)', async () => nodeHmac(token)],
];

/** Runs `fn` n times, `concurrency` at a time; wall and CPU (all threads) per call. */
async function time(fn, concurrency) {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += concurrency) await Promise.all(Array.from({ length: Math.min(concurrency, n - i) }, fn));
  const wallUs = Number(process.hrtime.bigint() - start) / 1000 / n;
  const cpu = process.cpuUsage(cpu0);
  return { wallUs, cpuUs: (cpu.user + cpu.system) / n };
}

const rows = [];
for (const [name, fn] of cases) {
  await time(fn, 50); // warm-up
  const one = await time(fn, 1);
  const fifty = await time(fn, 50);
  rows.push({
    name,
    'µs wall, 1 at a time': round(one.wallUs, 1),
    'µs CPU, 50 in flight': round(fifty.cpuUs, 1),
    'verifies/s, 50 in flight': Math.round(1e6 / fifty.wallUs),
  });
}
if (flags.json) console.log(JSON.stringify({ iterations: n, node: process.version, results: rows }, null, 2));
else console.log(table(rows, ['name', 'µs wall, 1 at a time', 'µs CPU, 50 in flight', 'verifies/s, 50 in flight']));
