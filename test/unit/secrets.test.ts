/** The secret-strength estimate: what prod refuses, what it accepts, and what the message says. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { estimateEntropyBits, MIN_ENTROPY_BITS, resolveSecrets, weakness } from '../../src/config/secrets.js';
import { ConfigError } from '../../src/errors.js';
import { testConfig } from '../helpers/config.js';

const STRONG = randomBytes(32).toString('hex');

test('the issue example, abcdefgh four times, is refused in prod with what to do', () => {
  const weak = 'abcdefghabcdefghabcdefghabcdefgh';
  assert.ok(estimateEntropyBits(weak) < 32, String(estimateEntropyBits(weak)));
  assert.throws(
    () => resolveSecrets(testConfig({ TTOPS_ENV: 'prod', JWT_SECRET: weak, ADMIN_API_KEY: STRONG })),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === 'secret_weak' &&
      /^JWT_SECRET looks guessable/.test(e.message) &&
      e.message.includes('`openssl rand -hex 32`') &&
      e.message.includes('`ttops init`') &&
      !e.message.includes(weak),
  );
});

test('long but patterned secrets are refused: repeats, periods, sequences, keyboard runs, words', () => {
  const weak = [
    'a'.repeat(64),
    'abababababababababababababababab',
    'aZ3$aZ3$aZ3$aZ3$aZ3$aZ3$aZ3$aZ3$',
    '01234567890123456789012345678901',
    'abcdefghijklmnopqrstuvwxyz0123456789',
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij',
    'qwertyuiopasdfghjklzxcvbnm123456',
    'passwordpasswordpasswordpassword',
    'P@ssw0rdP@ssw0rdP@ssw0rdP@ssw0rd!',
    'mysupersecretjwtsecretforttopsprod',
    'zyxwvutsrqponmlkjihgfedcba987654321',
    'kkkkkkkkabcdefghijklmnopqrstuvwxyz012345',
  ];
  for (const value of weak) {
    assert.ok(Buffer.byteLength(value) >= 32, value);
    assert.match(weakness(value) ?? 'accepted', /^looks guessable/, value);
  }
});

test('random secrets as `openssl rand -hex 32`, base64url 32 bytes and `ttops init` make them are accepted, every time', () => {
  for (let i = 0; i < 500; i++) {
    for (const value of [randomBytes(32).toString('hex'), randomBytes(32).toString('base64url'), randomBytes(48).toString('base64url'), randomBytes(48).toString('base64')]) {
      assert.equal(weakness(value), undefined, value);
      assert.ok(estimateEntropyBits(value) >= MIN_ENTROPY_BITS + 64, `${value}: ${estimateEntropyBits(value)}`);
    }
  }
});

test('the estimate grows with randomness and never exceeds length × log2(alphabet)', () => {
  const hex = randomBytes(32).toString('hex');
  assert.ok(estimateEntropyBits(hex) <= 64 * Math.log2(36) + 1e-9);
  assert.ok(estimateEntropyBits(hex.slice(0, 32)) < estimateEntropyBits(hex));
  assert.equal(estimateEntropyBits(''), 0);
  // Past the scored prefix, each character still adds its share, so long secrets are not penalised.
  const long = randomBytes(400).toString('hex');
  assert.ok(estimateEntropyBits(long) > estimateEntropyBits(long.slice(0, 256)));
});

test('length and placeholders are still checked first, with their own sentences', () => {
  assert.equal(weakness('changeme'), 'is 8 bytes; production needs at least 32');
  assert.equal(weakness('your-secret-goes-here-please-change-it'), 'is a well-known placeholder');
});
