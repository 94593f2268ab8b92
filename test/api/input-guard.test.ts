/** The one input guard: what it refuses, what it lets through, and that depth cannot crash it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findHostileValue } from '../../src/api/input-guard.js';

test('NUL, lone surrogates and non-finite numbers are found, with where they sit', () => {
  assert.deepEqual(findHostileValue({ note: 'a\u0000b' }, 'body')?.path, 'body/note');
  assert.deepEqual(findHostileValue({ data: { taskId: '\ud800' } }, 'body')?.path, 'body/data/taskId');
  assert.deepEqual(findHostileValue({ x: ['ok', 'x\udc00'] }, 'body')?.path, 'body/x/1');
  assert.match(findHostileValue({ limit: Infinity }, 'querystring')?.why ?? '', /finite/);
  assert.match(findHostileValue([-Infinity], 'body')?.why ?? '', /finite/);
  assert.match(findHostileValue(NaN, 'body')?.why ?? '', /finite/);
  assert.match(findHostileValue({ 'a\u0000': 1 }, 'body')?.why ?? '', /field name/);
});

test('ordinary input passes: emoji (surrogate pairs), -0, big finite numbers, null, empty', () => {
  for (const ok of [{ note: 'привет 😀 ✓' }, { n: -0, m: 1e20, k: Number.MAX_VALUE }, null, undefined, {}, [], 'x', { a: { b: [true, false, null] } }]) {
    assert.equal(findHostileValue(ok, 'body'), undefined, JSON.stringify(ok));
  }
});

test('a deeply nested body is walked without recursion', () => {
  let deep: unknown = 'a\u0000';
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.equal(findHostileValue(deep, 'body')?.why.startsWith('contains a NUL'), true);
});
