/**
 * The chaos run of issue 3: N paid video jobs, W real `ttops worker` processes, K of them
 * SIGKILLed at random and replaced, a private PostgreSQL restarted mid-run. The fake
 * provider (random durations, some content-policy and generic failures) and the fake Bot
 * API sit behind a proxy that adds latency after they accepted a call, so a kill can land
 * between "the outside world acted" and "the database knows" — where duplicates are born.
 * Interleaved with it, issue 12's money traffic (chaos-money.ts): card orders, promo codes
 * and referrals through real `ttops serve` processes, which are SIGKILLed and restarted too,
 * and Robokassa notifications retried through all of it.
 * `runChaos` returns the numbers; chaos-report.ts checks them.
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import { request, type Dispatcher } from 'undici';
import { createVideoOrder } from '../../src/jobs/orders.js';
import { startFakeRobokassa } from '../fakes/robokassa-server.js';
import { openStore } from '../../src/store/open.js';
import { readBody, startHttpServer, type StartedServer } from '../fakes/http.js';
import { GENERIC_FAIL_MSG, POLICY_FAIL_MSG, startFakeKie, type FakeKieTaskScript } from '../fakes/kie-server.js';
import { startFakeTelegram } from '../fakes/telegram-server.js';
import { testConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/engines.js';
import { startPrivatePostgres } from '../helpers/private-pg.js';
import { WorkerFleet } from './chaos-fleet.js';
import { runMoney, setupMoney, type MoneyContext, type MoneyObserved } from './chaos-money.js';
import { planMoney, SMALL_MONEY, type MoneyOptions } from './chaos-money-plan.js';
import { ServeFleet } from './chaos-serve.js';
import { collectChaosReport, stuckJobs, type ChaosReport } from './chaos-report.js';

export type { ChaosReport } from './chaos-report.js';
export { formatChaosReport } from './chaos-report.js';
export { SMALL_MONEY, type MoneyOptions } from './chaos-money-plan.js';

type Range = [number, number];

/** The knobs of a run; `SMALL_CHAOS` is the default-suite size. */
export interface ChaosOptions {
  jobs: number;
  users: number;
  workers: number;
  kills: number;
  restarts: number;
  concurrency: number;
  leaseSeconds: number;
  pollMs: number;
  providerPollSeconds: number;
  /** How long a provider task takes, uniformly in this range. */
  taskMs: Range;
  policyFailShare: number;
  genericFailShare: number;
  /** Latency the proxies add after the fake answered. */
  kieLatencyMs: Range;
  telegramLatencyMs: Range;
  /** How long PostgreSQL stays down in a restart (0: `pg_ctl restart`, as fast as it goes). */
  outageMs: number;
  /** Pause before each chaos event (kill or restart). */
  chaosGapMs: Range;
  timeoutMs: number;
  /** The money traffic (no buyers or no serves: none). */
  money: MoneyOptions;
  seed: number;
  log?: (line: string) => void;
}

/** 60 jobs, 3 workers, 3 kills, 1 restart: done in roughly 10 s. Tasks last long enough that every kill lands while work remains. */
export const SMALL_CHAOS: ChaosOptions = {
  jobs: 60, users: 8, workers: 3, kills: 3, restarts: 1, concurrency: 8, leaseSeconds: 2, pollMs: 100, providerPollSeconds: 1,
  taskMs: [300, 7000], policyFailShare: 0.1, genericFailShare: 0.1, kieLatencyMs: [20, 300], telegramLatencyMs: [20, 150],
  outageMs: 0, chaosGapMs: [600, 1200], timeoutMs: 45_000, money: SMALL_MONEY, seed: 1,
};

const TOKEN = '777001:CHAOS-token';
const ADMIN_CHAT = '-1003';
const ADMIN_KEY = 'chaos-admin-key-5b0e9c2d7a4f41e8b3c6d9a0f2e5b8c1';
/** The fake Robokassa's default shop (see test/fakes/robokassa-server.ts). */
const ROBOKASSA = { login: 'ttops-shop', password1: 'live-pass-1', password2: 'live-pass-2' };

/** A small seeded PRNG (mulberry32), so a failing seed can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Forwards to `target`, then holds the answer for a random while: the caller hears late. */
function startLatencyProxy(target: string, latency: Range, rand: () => number, onCall: (path: string, body: Buffer) => void = () => {}): Promise<StartedServer> {
  return startHttpServer(async (req, res) => {
    const body = await readBody(req);
    onCall(req.url ?? '/', body);
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'authorization']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
    const answer = await request(`${target}${req.url ?? '/'}`, { method: req.method as Dispatcher.HttpMethod, headers, body: body.length ? body : undefined });
    const text = Buffer.from(await answer.body.arrayBuffer());
    await sleep(latency[0] + rand() * (latency[1] - latency[0]));
    const out: Record<string, string> = { 'content-length': String(text.length) };
    for (const h of ['content-type', 'retry-after']) if (typeof answer.headers[h] === 'string') out[h] = answer.headers[h] as string;
    res.writeHead(answer.statusCode, out);
    res.end(text);
  });
}

/** Runs one chaos scenario end to end and returns its report; everything it started is stopped. */
export async function runChaos(overrides: Partial<ChaosOptions> = {}): Promise<ChaosReport> {
  const o: ChaosOptions = { ...SMALL_CHAOS, ...overrides };
  const log = o.log ?? (() => {});
  const rand = prng(o.seed);
  const between = (r: Range) => r[0] + rand() * (r[1] - r[0]);
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let t0 = Date.now();
  const timeline: { at: number; what: string }[] = [];
  const note = (what: string) => timeline.push({ at: (Date.now() - t0) / 1000, what });
  // When each Telegram text was sent (the fake accepted it), to place duplicates on the timeline.
  const sendTimes = new Map<string, number[]>();
  const onTelegramCall = (path: string, body: Buffer) => {
    if (!path.endsWith('/sendMessage')) return;
    let p: { chat_id?: unknown; text?: unknown } = {};
    try {
      p = JSON.parse(body.toString('utf8')) as typeof p;
    } catch {
      // not JSON: counted under an impossible key, it cannot match an outbox row
    }
    const key = `${String(p.chat_id)}\u0000${String(p.text)}`;
    sendTimes.set(key, [...(sendTimes.get(key) ?? []), (Date.now() - t0) / 1000]);
  };
  try {
    const db = await startPrivatePostgres();
    cleanups.push(() => db.stop());
    const kie = await startFakeKie({ keys: ['chaos-a', 'chaos-b'], callbacks: 'drop' });
    cleanups.push(() => kie.close());
    // One scripted outcome per submission, with room for duplicate submissions.
    for (let i = 0; i < o.jobs * 2 + 50; i++) {
      const roll = rand();
      const durationMs = Math.round(between(o.taskMs));
      const script: FakeKieTaskScript =
        roll < o.policyFailShare ? { outcome: 'fail', failMsg: POLICY_FAIL_MSG, durationMs } : roll < o.policyFailShare + o.genericFailShare ? { outcome: 'fail', failMsg: GENERIC_FAIL_MSG, failCode: '501', durationMs } : { outcome: 'success', durationMs };
      kie.scriptNextTask(script);
    }
    const tg = await startFakeTelegram({ token: TOKEN });
    cleanups.push(() => tg.close());
    const kieProxy = await startLatencyProxy(kie.url, o.kieLatencyMs, prng(o.seed + 1));
    cleanups.push(() => kieProxy.close());
    const tgProxy = await startLatencyProxy(tg.url, o.telegramLatencyMs, prng(o.seed + 2), onTelegramCall);
    cleanups.push(() => tgProxy.close());
    const home = tempDir('ttops-chaos-');
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));

    const env: Record<string, string> = {
      TTOPS_ENV: 'dev', TTOPS_HOME: home, DATABASE_URL: db.url, KIE_API_KEYS: 'chaos-a,chaos-b', KIE_BASE_URL: kieProxy.url,
      TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tgProxy.url, ADMIN_CHAT_ID: ADMIN_CHAT, SERVER_HOST: 'http://127.0.0.1:9',
      PROVIDER_POLL_SECONDS: String(o.providerPollSeconds), JOB_POLL_MS: String(o.pollMs), JOB_LEASE_SECONDS: String(o.leaseSeconds),
      WORKER_CONCURRENCY: String(o.concurrency), LOG_LEVEL: 'warn', LOG_FORMAT: 'json',
    };
    const withMoney = o.money.buyers > 0 && o.money.serves > 0;
    const robokassa = await startFakeRobokassa(ROBOKASSA);
    cleanups.push(() => robokassa.close());
    if (withMoney) {
      // Workers get it too: their payments.reconcile job asks Robokassa about pending orders.
      Object.assign(env, {
        JWT_SECRET: 'chaos-jwt-secret-8d3f1a6c0e9b47d2a5c8f3e6b1d4a7c0', ADMIN_API_KEY: ADMIN_KEY, AUTH_RATE_LIMIT: '1000000',
        ROBOKASSA_MERCHANT_LOGIN: ROBOKASSA.login, ROBOKASSA_PASSWORD_1: ROBOKASSA.password1, ROBOKASSA_PASSWORD_2: ROBOKASSA.password2, ROBOKASSA_URL: robokassa.merchantUrl,
        REFERRAL_BONUS_CREDITS: String(o.money.referralBonus),
      });
    }
    const store = await openStore(testConfig(env));
    cleanups.push(() => store.close());
    await store.migrateUp();

    // Orders of 1–3 videos, round-robin over the users, each user granted what they order plus a little.
    const sizes: number[] = [];
    for (let left = o.jobs; left > 0; left -= sizes[sizes.length - 1]) sizes.push(Math.min(left, 1 + Math.floor(rand() * 3)));
    const users = [];
    const granted = new Map<number, number>();
    for (let u = 0; u < o.users; u++) {
      const user = await store.ensureTelegramUser(9_100_000 + u);
      const need = sizes.filter((_, i) => i % o.users === u).reduce((s, n) => s + n, 0) + Math.floor(rand() * 4);
      if (need > 0) await store.grantCredits(user.id, need, 'chaos', { actor: 'test:chaos' });
      granted.set(user.id, need);
      users.push((await store.findUserById(user.id))!);
    }
    for (const [i, count] of sizes.entries()) {
      await createVideoOrder(store, users[i % o.users], { template: 'promo', product_name: `chaos item ${i}`, image_url: i % 2 ? `https://img.example/${i}.jpg` : undefined, count }, 1);
    }
    log(`${o.jobs} jobs in ${sizes.length} orders for ${o.users} users`);

    const monitor = new pg.Pool({ connectionString: db.url, max: 2, connectionTimeoutMillis: 2000 });
    monitor.on('error', () => {});
    cleanups.push(() => monitor.end());
    const unfinished = async (): Promise<number> => {
      try {
        const { rows } = await monitor.query("SELECT count(*)::int AS n FROM jobs WHERE status NOT IN ('succeeded', 'failed')");
        return rows[0].n as number;
      } catch {
        return -1; // the database is restarting: certainly not finished
      }
    };

    // The money side: serves, promo codes, accounts (through the API), referrals — before the clock starts.
    const serves = new ServeFleet(env, note);
    cleanups.push(() => serves.stopAll(5000));
    const moneyRand = prng(o.seed + 3);
    const plan = planMoney(withMoney ? o.money : { ...o.money, buyers: 0, promos: 0 }, users.length, moneyRand);
    const observed: MoneyObserved = { buyers: [], promoCodes: [], catalogue: { credits: [], license: [] }, referrals: [], orders: [], expiredBeforePay: new Set(), orderRefusals: {}, attempts: {}, problems: [], finished: true };
    const moneyCtx: MoneyContext = {
      store, monitor, robokassa, urls: () => serves.urls, adminKey: ADMIN_KEY, password2: ROBOKASSA.password2, jobUserIds: users.map((u) => u.id),
      rand: moneyRand, clock: () => (Date.now() - t0) / 1000, deadline: Number.POSITIVE_INFINITY,
    };
    if (withMoney) {
      await serves.start(o.money.serves);
      await setupMoney(moneyCtx, plan, observed);
      for (const b of observed.buyers) granted.set(b.userId, b.credits);
      log(`${observed.buyers.length} buyers, ${plan.buyers.reduce((s, b) => s + b.orders.length, 0)} orders planned, ${observed.promoCodes.length} promo codes, ${observed.referrals.length} referrals; ${o.money.serves} serves`);
    }
    log(`starting ${o.workers} workers`);

    const fleet = new WorkerFleet(env, note);
    cleanups.push(() => fleet.stopAll(5000));
    t0 = Date.now();
    moneyCtx.deadline = t0 + o.timeoutMs;
    await Promise.all(Array.from({ length: o.workers }, () => fleet.spawn()));
    let moneyDone = !withMoney;
    // A bug in the traffic itself is a finding in the report, not an unhandled rejection while the chaos goes on.
    const moneyRun = withMoney
      ? runMoney(moneyCtx, plan, observed)
          .catch((error: Error) => observed.problems.push(`the money traffic crashed: ${error.stack ?? error.message}`))
          .finally(() => (moneyDone = true))
      : Promise.resolve();

    // The serve kills on their own clock, at random times while the buyers arrive, so the
    // workers' schedule below stays what it was.
    let serveKills = 0;
    const serveKillTimes = Array.from({ length: withMoney ? o.money.serveKills : 0 }, () => 500 + moneyRand() * o.money.spreadMs).sort((a, b) => a - b);
    const serveChaos = (async () => {
      for (const at of serveKillTimes) {
        await sleep(Math.max(0, t0 + at - Date.now()));
        if (moneyDone || !(await serves.killOne(moneyRand))) continue;
        serveKills++;
        log(`SIGKILL serve ${serveKills}/${o.money.serveKills} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    })().catch((error: Error) => observed.problems.push(`killing a serve failed: ${error.message}`));

    // K kills with the restart(s) in the middle, each after a random pause, while work remains.
    const events: ('kill' | 'restart')[] = Array.from({ length: o.kills }, () => 'kill' as const);
    for (let r = 0; r < o.restarts; r++) events.splice(Math.floor(((r + 1) * (o.kills + 1)) / (o.restarts + 1)) - 1 + r, 0, 'restart');
    let kills = 0;
    const downtimes: number[] = [];
    for (const event of events) {
      await sleep(between(o.chaosGapMs));
      if ((await unfinished()) === 0) break;
      if (event === 'kill') {
        if (!(await fleet.killOne(rand))) continue;
        kills++;
        log(`SIGKILL ${kills}/${o.kills} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      } else {
        note('PostgreSQL restart begins');
        downtimes.push(await db.restart(o.outageMs));
        note('PostgreSQL accepts connections again');
        log(`PostgreSQL restarted at ${((Date.now() - t0) / 1000).toFixed(1)} s (${downtimes[downtimes.length - 1]} ms)`);
      }
    }
    const chaosEnd = Date.now();
    const deadline = t0 + o.timeoutMs;
    let timedOut = false;
    while ((await unfinished()) !== 0) {
      if (Date.now() > deadline) {
        timedOut = true;
        break;
      }
      await sleep(100);
    }
    await Promise.all([moneyRun, serveChaos]);
    const done = Date.now();
    // Before the graceful stop releases them: who holds the jobs that never finished.
    const stuck = timedOut ? await stuckJobs(monitor) : [];
    log(timedOut ? 'timed out; stopping workers' : `all jobs terminal after ${((done - t0) / 1000).toFixed(1)} s; stopping workers`);
    await Promise.all([fleet.stopAll(25_000), serves.stopAll(10_000)]);

    return await collectChaosReport(monitor, kie, tg, {
      seconds: (done - t0) / 1000,
      drainSeconds: (done - chaosEnd) / 1000,
      kills,
      restarts: downtimes.length,
      restartDowntimeMs: downtimes,
      workersStarted: fleet.started,
      startFailures: fleet.startFailures,
      unexpectedExits: fleet.unexpected,
      workerErrors: fleet.errors,
      workerErrorMessages: fleet.errorMessages,
      timedOut,
      stuckAtTimeout: stuck,
      granted,
      shop: withMoney ? { observed, referralBonus: o.money.referralBonus } : undefined,
      serves: { kills: serveKills, started: serves.started, startFailures: serves.startFailures, unexpectedExits: serves.unexpected },
      videoJobs: o.jobs,
      timeline,
      sendTimes,
    });
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch(() => {});
  }
}
