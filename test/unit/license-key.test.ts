import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KEY_PATTERN, generateKey, hashKey, keySuffix, maskKey, normalizeKey } from '../../src/licenses/key.js';

test('generated keys have the TTB-XXXX-XXXX-XXXX shape with no ambiguous symbols', () => {
  for (let i = 0; i < 2000; i++) {
    const key = generateKey();
    assert.match(key, KEY_PATTERN);
    assert.doesNotMatch(key.slice(4), /[ILOU]/);
  }
});

test('keys are unique and use the whole alphabet evenly', () => {
  const keys = new Set(Array.from({ length: 5000 }, generateKey));
  assert.equal(keys.size, 5000);
  const counts = new Map<string, number>();
  for (const k of keys) for (const c of k.slice(4).replace(/-/g, '')) counts.set(c, (counts.get(c) ?? 0) + 1);
  assert.equal(counts.size, 32);
  const expected = (5000 * 12) / 32;
  for (const [, n] of counts) assert.ok(Math.abs(n - expected) < expected * 0.15, `symbol count ${n} far from ${expected}`);
});

test('normalisation forgives case, spaces, missing dashes and look-alikes', () => {
  assert.equal(normalizeKey(' ttb-ab12-cd34-ef56 '), 'TTB-AB12-CD34-EF56');
  assert.equal(normalizeKey('TTBAB12CD34EF56'), 'TTB-AB12-CD34-EF56');
  assert.equal(normalizeKey('ab12 cd34 ef56'), 'TTB-AB12-CD34-EF56');
  assert.equal(normalizeKey('TTB-OOII-LLAB-CD34'), 'TTB-0011-11AB-CD34');
  assert.equal(normalizeKey('TTB-AB12-CD34'), undefined);
  assert.equal(normalizeKey('TTB-AB12-CD34-EFU6'), undefined, 'U is not in the alphabet');
  assert.equal(normalizeKey(''), undefined);
});

test('the stored hash is stable and the mask shows only the last symbols', () => {
  const key = 'TTB-AB12-CD34-EF56';
  assert.equal(hashKey(key), hashKey(normalizeKey('ttb ab12 cd34 ef56')!));
  assert.equal(hashKey(key).length, 64);
  assert.equal(maskKey(keySuffix(key)), 'TTB-****-****-EF56');
});
