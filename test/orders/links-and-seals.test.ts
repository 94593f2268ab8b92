/** The status link's signature and expiry, and the sealed license key, on their own. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeySeal } from '../../src/orders/sealed-key.js';
import { STATUS_LINK_TTL_S, StatusLinks } from '../../src/orders/status-link.js';

const SECRET = 'x'.repeat(40);

function parts(url: string): { id: number; exp: number; sig: string } {
  const u = new URL(url);
  return { id: Number(u.pathname.split('/').pop()), exp: Number(u.searchParams.get('exp')), sig: u.searchParams.get('sig')! };
}

test('a status link checks out for its order and no other, and expires', () => {
  let now = Date.parse('2026-11-30T12:00:00Z');
  const links = new StatusLinks(SECRET, () => 'https://api.example.com', () => now);
  const url = links.url(42);
  assert.match(url, /^https:\/\/api\.example\.com\/orders\/42\?exp=\d+&sig=[\w-]{43}$/);
  const { id, exp, sig } = parts(url);
  assert.equal(exp, now / 1000 + STATUS_LINK_TTL_S);
  links.check(id, exp, sig);
  assert.throws(() => links.check(43, exp, sig), { code: 'link_invalid', status: 403 });
  assert.throws(() => links.check(42, exp + 1, sig), { code: 'link_invalid', status: 403 });
  assert.throws(() => links.check(42, exp, sig.slice(1)), { code: 'link_invalid' });
  assert.throws(() => links.check(42, Number.POSITIVE_INFINITY, sig), { code: 'link_invalid', status: 400 });
  assert.throws(() => new StatusLinks('y'.repeat(40), () => 'https://api.example.com', () => now).check(id, exp, sig), { code: 'link_invalid' }, 'another secret signs differently');
  now += (STATUS_LINK_TTL_S + 1) * 1000;
  assert.throws(() => links.check(id, exp, sig), { code: 'link_expired', status: 410 });
});

test('a sealed key opens with the same secret only, and every seal differs', () => {
  const seal = new KeySeal(SECRET);
  const a = seal.seal('TTB-ABCD-EFGH-JKMN');
  const b = seal.seal('TTB-ABCD-EFGH-JKMN');
  assert.notEqual(a, b, 'a fresh IV each time');
  assert.ok(!a.includes('ABCD'), 'the key is not readable in the sealed form');
  assert.equal(seal.open(a), 'TTB-ABCD-EFGH-JKMN');
  assert.equal(new KeySeal('z'.repeat(40)).open(a), undefined);
  const [v, iv, tag, body] = a.split('.');
  const flipped = Buffer.from(body, 'base64url');
  flipped[0] ^= 1;
  assert.equal(seal.open([v, iv, tag, flipped.toString('base64url')].join('.')), undefined, 'tampering is detected');
  assert.equal(seal.open('garbage'), undefined);
});
