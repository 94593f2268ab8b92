#!/usr/bin/env node
/**
 * Issue 3's chaos run at scale: N paid video jobs, W `ttops worker` processes, K of them
 * SIGKILLed at random (and replaced), a private PostgreSQL restarted once; with issue 12's
 * money traffic through S `ttops serve` processes (SIGKILLed and restarted too): B buyers'
 * card orders, promo codes, referrals and Robokassa notifications. Prints the machine, the
 * settings and the report; exits 1 when an invariant failed.
 *
 *   npx tsc -p . && node bench/chaos/run.mjs [--jobs 2000] [--workers 4] [--kills 20]
 *     [--users 50] [--concurrency 16] [--restarts 1] [--lease 2] [--gap 700-1800]
 *     [--task 300-7000] [--seed N] [--timeout 900] [--json]
 *     [--buyers 100] [--orders 1-4] [--promos 10] [--promo-uses 2-8] [--copies 1-5]
 *     [--serves 2] [--serve-kills 10] [--spread 60000] [--pay-delay 100-3000]
 *   --buyers 0 runs without money traffic.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HARNESS = path.join(ROOT, 'dist/test/jobs/chaos-harness.js');
if (!existsSync(HARNESS)) {
  process.stderr.write('dist/test/jobs/chaos-harness.js is missing — run `npx tsc -p .` first\n');
  process.exit(2);
}
const { runChaos, formatChaosReport, SMALL_CHAOS } = await import(HARNESS);
const { PG_BIN } = await import(path.join(ROOT, 'dist/test/helpers/private-pg.js'));

const { values: f } = parseArgs({
  options: {
    jobs: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '4' },
    kills: { type: 'string', default: '20' },
    users: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '16' },
    restarts: { type: 'string', default: '1' },
    lease: { type: 'string', default: '2' },
    gap: { type: 'string', default: '700-1800' },
    task: { type: 'string', default: '300-7000' },
    seed: { type: 'string', default: String(Math.floor(Math.random() * 1e6)) },
    timeout: { type: 'string', default: '900' },
    json: { type: 'boolean', default: false },
    buyers: { type: 'string', default: '100' },
    orders: { type: 'string', default: '1-4' },
    promos: { type: 'string', default: '10' },
    'promo-uses': { type: 'string', default: '2-8' },
    copies: { type: 'string', default: '1-5' },
    serves: { type: 'string', default: '2' },
    'serve-kills': { type: 'string', default: '10' },
    spread: { type: 'string', default: '60000' },
    'pay-delay': { type: 'string', default: '100-3000' },
  },
});
const range = (s) => s.split('-').map(Number);
const options = {
  ...SMALL_CHAOS,
  jobs: Number(f.jobs),
  workers: Number(f.workers),
  kills: Number(f.kills),
  users: Number(f.users),
  concurrency: Number(f.concurrency),
  restarts: Number(f.restarts),
  leaseSeconds: Number(f.lease),
  chaosGapMs: range(f.gap),
  taskMs: range(f.task),
  seed: Number(f.seed),
  timeoutMs: Number(f.timeout) * 1000,
  money: {
    ...SMALL_CHAOS.money,
    buyers: Number(f.buyers),
    ordersPerBuyer: range(f.orders),
    promos: Number(f.promos),
    promoMaxUses: range(f['promo-uses']),
    copies: range(f.copies),
    serves: Number(f.serves),
    serveKills: Number(f['serve-kills']),
    spreadMs: Number(f.spread),
    payDelayMs: range(f['pay-delay']),
  },
  log: (line) => process.stderr.write(`# ${line}\n`),
};

const pgVersion = (() => {
  try {
    return execFileSync(path.join(PG_BIN, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const machine = `${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${pgVersion}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
const settings = `jobs ${options.jobs}, users ${options.users}, workers ${options.workers} × concurrency ${options.concurrency}, kills ${options.kills}, restarts ${options.restarts}, lease ${options.leaseSeconds} s, poll ${options.pollMs} ms, provider poll ${options.providerPollSeconds} s, task ${options.taskMs.join('–')} ms, latency KIE ${options.kieLatencyMs.join('–')} ms / Telegram ${options.telegramLatencyMs.join('–')} ms, chaos every ${options.chaosGapMs.join('–')} ms, seed ${options.seed}; money: ${options.money.buyers} buyers × ${options.money.ordersPerBuyer.join('–')} orders over ${options.money.spreadMs} ms, ${options.money.promos} promos of ${options.money.promoMaxUses.join('–')} uses, ${options.money.copies.join('–')} notification copies, ${options.money.serves} serves, ${options.money.serveKills} serve kills`;
process.stderr.write(`# ${machine}\n# ${settings}\n`);

const { log, ...printable } = options;
const report = await runChaos(options);
if (f.json) process.stdout.write(`${JSON.stringify({ machine, options: printable, report }, null, 2)}\n`);
else process.stdout.write(`machine: ${machine}\nsettings: ${settings}\n${formatChaosReport(report)}\n`);
process.exitCode = report.failures.length ? 1 : 0;
