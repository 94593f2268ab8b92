/**
 * Issue 3's chaos run, small enough for the default suite: 60 paid video jobs, 3 real
 * `ttops worker` processes, 3 of them SIGKILLed at random and replaced, the (private)
 * PostgreSQL restarted once. Every job must end exactly once in a terminal state, charged
 * once, refunded exactly when it failed, every ledger must sum to its balance, and each
 * kill may cost at most one duplicate Telegram message. `bench/chaos` runs the same at scale.
 * TTOPS_CHAOS_SEED replays a schedule (the seed is printed).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PG_BIN } from '../helpers/private-pg.js';
import { SMALL_CHAOS, formatChaosReport, runChaos } from './chaos-harness.js';

const havePostgres = existsSync(path.join(PG_BIN, 'initdb'));

test('SIGKILLed workers and a PostgreSQL restart: every job ends once, money adds up, at most one duplicate message per kill', { skip: !havePostgres && `no PostgreSQL binaries in ${PG_BIN}`, timeout: 120_000 }, async (t) => {
  const seed = Number(process.env.TTOPS_CHAOS_SEED ?? Math.floor(Math.random() * 1e6));
  const report = await runChaos({ ...SMALL_CHAOS, seed });
  t.diagnostic(`seed ${seed}`);
  for (const line of formatChaosReport(report).split('\n')) t.diagnostic(line);

  assert.equal(report.chaos.kills, SMALL_CHAOS.kills, 'every planned kill landed while work remained');
  assert.equal(report.chaos.restarts, 1, 'PostgreSQL was restarted mid-run');
  assert.deepEqual(report.chaos.unexpectedExits.map((e) => `worker ${e.instance} exited ${e.signal ?? e.code}: ${e.stderrTail.slice(-1500)}`), [], 'no worker died except the ones killed');
  assert.deepEqual(report.jobs.notTerminal, [], 'every job reached succeeded or failed');
  assert.equal(report.jobs.video, SMALL_CHAOS.jobs);
  assert.equal((report.jobs.byStatus.succeeded ?? 0) + (report.jobs.byStatus.failed ?? 0), SMALL_CHAOS.jobs);
  assert.deepEqual(report.money.chargeViolations, [], 'exactly one charge per job');
  assert.deepEqual(report.money.refundViolations, [], 'one refund per failed job, none for a success');
  assert.equal(report.money.refunds, report.jobs.byStatus.failed ?? 0);
  assert.deepEqual(report.money.ledgerMismatches, [], 'ledger sum = balance = grants − orders + refunds, for every user');
  assert.equal(report.telegram.outboxByStatus.pending ?? 0, 0, 'no message left undelivered');
  assert.ok(report.telegram.undelivered <= (report.telegram.outboxByStatus.unknown ?? 0), 'only a message marked unknown may be missing at Telegram');
  assert.ok(
    report.telegram.duplicates <= report.chaos.kills,
    `${report.telegram.duplicates} duplicate message(s) for ${report.chaos.kills} kill(s): ${JSON.stringify({ duplicates: report.telegram.duplicateMessages, timeline: report.chaos.timeline })}`,
  );
  assert.deepEqual(report.failures, []);
});
