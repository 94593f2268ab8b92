import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_ROUNDS, hashPassword, needsRehash, verifyPassword } from '../../src/auth/password.js';

// Made by Python passlib 1.7.4 (Debian python3-passlib): pbkdf2_sha256.using(rounds=29000).hash(...)
const PASSLIB_VECTORS = [
  { password: 'correct horse battery staple', hash: '$pbkdf2-sha256$29000$9z5njBEC4Fzr/X.v1Zrz3g$Tl0K.fYWjpSPvbJDLZkWMPQFaoOqNTDF47qMMfCxEfg' },
  { password: 'пароль-123', hash: '$pbkdf2-sha256$29000$WUupNSaEkJJSirGWcg4BoA$EXsS8l6ZN7R9TCls5rglhgwESSD1jimQw9FiQ8/RZTU' },
];

test('hashes made by Python passlib verify, and wrong passwords do not', async () => {
  for (const v of PASSLIB_VECTORS) {
    assert.equal(await verifyPassword(v.password, v.hash), true, v.password);
    assert.equal(await verifyPassword(`${v.password}x`, v.hash), false);
  }
});

test('new hashes use passlib format with at least 600,000 rounds and a fresh salt', async () => {
  const a = await hashPassword('s3cret-pass');
  const b = await hashPassword('s3cret-pass');
  assert.match(a, /^\$pbkdf2-sha256\$600000\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{43}$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('s3cret-pass', a), true);
  assert.equal(await hashPassword('x', 1000).then((h) => h.split('$')[2]), String(MIN_ROUNDS), 'fewer rounds are never used');
});

test('old passlib hashes are flagged for rehash; malformed hashes never verify', async () => {
  assert.equal(needsRehash(PASSLIB_VECTORS[0].hash), true);
  assert.equal(needsRehash(await hashPassword('x')), false);
  for (const bad of ['', 'plain', '$pbkdf2-sha256$abc$x$y', '$pbkdf2-sha256$1000$$', '$bcrypt$whatever']) {
    assert.equal(await verifyPassword('x', bad), false, bad);
  }
});

test('hashing does not block the event loop', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  await hashPassword('event-loop-check');
  clearInterval(timer);
  assert.ok(ticks >= 2, `event loop ran ${ticks} times during a hash`);
});
