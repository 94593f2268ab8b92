import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnreachableError } from '../../src/errors.js';
import { throughOutage } from '../../src/jobs/outage.js';

const down = () => new UnreachableError('store_unreachable', 'down');

test('a write retried through an outage succeeds once the store is back', async () => {
  let calls = 0;
  const result = await throughOutage(async () => {
    calls += 1;
    if (calls < 3) throw down();
    return 'recorded';
  }, 5_000);
  assert.equal(result, 'recorded');
  assert.equal(calls, 3);
});

test('any other error is not retried, and an outage past the deadline is thrown', async () => {
  let calls = 0;
  await assert.rejects(
    throughOutage(async () => {
      calls += 1;
      throw new Error('constraint');
    }, 5_000),
    /constraint/,
  );
  assert.equal(calls, 1);
  await assert.rejects(
    throughOutage(async () => {
      throw down();
    }, 150),
    UnreachableError,
  );
});
