/**
 * The exact ruble parser and the IP allowlist every provider leans on: amounts never go
 * through floats, a third non-zero decimal is refused, and CIDRs (v4, v6, v4-mapped) match.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeIpAllowlist } from '../../src/payments/ip-allowlist.js';
import { parseKopecks, parseRubleValue, rublesText } from '../../src/payments/money.js';

test('parseKopecks is exact: trailing zeros are fine, a third non-zero decimal is malformed', () => {
  const cases: [string, number | undefined][] = [
    ['100.000000', 10_000],
    ['290.00', 29_000],
    ['123.4', 12_340],
    ['7', 700],
    ['0.01', 1],
    ['1.005', undefined],
    ['1.0000001', undefined],
    ['-1.00', undefined],
    ['1e3', undefined],
    ['', undefined],
    ['1,00', undefined],
    [' 1.00', undefined],
    ['.5', undefined],
  ];
  for (const [text, kopecks] of cases) assert.equal(parseKopecks(text), kopecks, text);
});

test('rublesText writes two decimals; JSON numbers parse through their shortest text', () => {
  assert.equal(rublesText(12_345), '123.45');
  assert.equal(rublesText(5), '0.05');
  assert.equal(rublesText(29_000), '290.00');
  assert.throws(() => rublesText(1.5));
  assert.equal(parseRubleValue(1188), 118_800);
  assert.equal(parseRubleValue(123.45), 12_345);
  assert.equal(parseRubleValue(0.1 + 0.2), undefined);
  assert.equal(parseRubleValue('12.30'), 1230);
  assert.equal(parseRubleValue(null), undefined);
});

test('the IP allowlist takes addresses and CIDRs of both families, and refuses nonsense at startup', () => {
  const allowed = makeIpAllowlist(['185.71.76.0/27', '77.75.156.11', '2a02:5180::/32'], 'TEST_IPS')!;
  assert.ok(allowed('185.71.76.31'));
  assert.ok(!allowed('185.71.76.32'));
  assert.ok(allowed('77.75.156.11'));
  assert.ok(allowed('::ffff:185.71.76.1'), 'IPv4 seen through an IPv6 socket');
  assert.ok(allowed('2a02:5180:1::5'));
  assert.ok(!allowed('2a02:5181::1'));
  assert.ok(!allowed('127.0.0.1'));
  assert.ok(!allowed('not-an-ip'));
  assert.equal(makeIpAllowlist([], 'TEST_IPS'), undefined);
  assert.throws(() => makeIpAllowlist(['10.0.0.0/33'], 'TEST_IPS'), /TEST_IPS has "10.0.0.0\/33"/);
  assert.throws(() => makeIpAllowlist(['example.com'], 'TEST_IPS'), { code: 'config_invalid' });
});
