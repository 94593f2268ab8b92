/**
 * Issue 3's chaos run, small enough for the default suite: 60 paid video jobs, 3 real
 * `ttops worker` processes, 3 of them SIGKILLed at random and replaced, the (private)
 * PostgreSQL restarted once. Every job must end exactly once in a terminal state, charged
 * once, refunded exactly when it failed, every ledger must sum to its balance, and each
 * kill may cost at most one duplicate Telegram message.
 * Interleaved, issue 12's money traffic through 2 real `ttops serve` processes (one
 * SIGKILLed and restarted): ~20 card orders of 10 buyers with promo codes racing for their
 * last uses, referrals, Robokassa notifications in concurrent copies, retried through the
 * kills and the restart, some forged or for the wrong amount, some arriving after expiry.
 * Each payment must be fulfilled once, each promo use counted once, each referral bonus
 * paid once and only on the first payment. `bench/chaos` runs the same at scale.
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
  const shop = report.shop!;
  assert.equal(report.chaos.serveKills, SMALL_CHAOS.money.serveKills, 'the serve kill landed while buyers were still arriving');
  assert.deepEqual(report.chaos.serveUnexpectedExits.map((e) => `serve ${e.instance} exited ${e.signal ?? e.code}: ${e.stderrTail.slice(-1500)}`), [], 'no serve died except the one killed');
  assert.equal(shop.buyers, SMALL_CHAOS.money.buyers, 'every buyer got an account through the API');
  assert.ok(shop.payments.paid > 0 && shop.orders.made > 0, 'orders were made and paid');
  assert.deepEqual(shop.violations.payments, [], 'each order paid at most once, by one paid payment per event');
  assert.deepEqual(shop.violations.purchases, [], 'one purchase ledger row per paid payment, none for a rejected one');
  assert.deepEqual(shop.violations.licenses, [], 'one license key per paid license order');
  assert.deepEqual(shop.violations.promos, [], 'promo uses = redemptions, never past max_uses but by a late payment');
  assert.deepEqual(shop.violations.referrals, [], 'each referral bonus once per invitee, on the first payment only');
  assert.deepEqual(shop.violations.answers, [], 'every notification answered OK{InvId} (forged ones refused) and every order where its payment put it');
  assert.deepEqual(report.failures, []);
});
