/** The lease decision, table-driven: one holder per streamer, takeover only after expiry. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leaseTickMs, planLease, type LeaseDecision, type LeaseRow } from '../../src/live/lease.js';

const NOW = 1_000_000;
const mine: LeaseRow = { holder: 'me', until: NOW + 5000 };
const mineExpired: LeaseRow = { holder: 'me', until: NOW - 1 };
const theirs: LeaseRow = { holder: 'other', until: NOW + 5000 };
const theirsExpired: LeaseRow = { holder: 'other', until: NOW - 1 };
const theirsEndingNow: LeaseRow = { holder: 'other', until: NOW };

const cases: [string, LeaseRow | null, boolean, LeaseDecision][] = [
  ['nobody holds it and I want it: take', null, true, 'take'],
  ['I hold it and want it: renew', mine, true, 'renew'],
  ['I held it, it ran out, nobody took it: renew (the SQL re-checks)', mineExpired, true, 'renew'],
  ['someone else holds a live lease: wait', theirs, true, 'wait'],
  ['their lease ran out: take it over', theirsExpired, true, 'take'],
  ['their lease ends exactly now: take it over', theirsEndingNow, true, 'take'],
  ['I hold it and no longer want it: release', mine, false, 'release'],
  ['my expired lease, not wanted: release (delete the row)', mineExpired, false, 'release'],
  ['not mine, not wanted: nothing', theirs, false, 'none'],
  ['no lease, not wanted: nothing', null, false, 'none'],
  ['an expired lease of theirs, not wanted: nothing (never take what I do not want)', theirsExpired, false, 'none'],
];

for (const [name, row, wants, expected] of cases) {
  test(name, () => assert.equal(planLease(NOW, row, 'me', wants), expected));
}

test('wanting processes look again three times per lease, never in a tight loop', () => {
  assert.equal(leaseTickMs(15_000), 5000);
  assert.equal(leaseTickMs(2000), 666);
  assert.equal(leaseTickMs(1), 100);
});
