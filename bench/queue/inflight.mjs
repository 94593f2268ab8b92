// One ttops worker process holding ≥ 1,000 in-flight generations against the fake provider
// (dist/test/fakes/kie-server.js, every task succeeds after 60 s, callbacks dropped so only
// polling finds them) while it keeps claiming: noop jobs enqueued meanwhile must start
// promptly. The worker is startWorkers() with ttops's own handlers (as `ttops worker`) plus
// a noop handler that reports its start time.
//
//   bench/queue/node_modules/.bin/node bench/queue/inflight.mjs [--videos 1000] [--concurrency 64] [--build head|before]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { HERE, NODES, ROOT, createDb, dbUrl, dist, dropDb, forkNode, nextMessage, r1, r2, sleep, waitExit, wallNow } from './lib.mjs';

const { values: opt } = parseArgs({ options: { videos: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '64' }, node: { type: 'string', default: '22' }, poll: { type: 'string', default: '20' }, build: { type: 'string' } } });
const VIDEOS = Number(opt.videos);
const mod = (rel) => import(pathToFileURL(path.join(ROOT, 'dist', rel)).href);
const { openStore } = await mod('src/store/open.js');
const { createVideoOrder } = await mod('src/jobs/orders.js');
const { startFakeKie } = await mod('test/fakes/kie-server.js');

const kie = await startFakeKie({ keys: ['kie-key-1'], defaultTask: { outcome: 'success', durationMs: 60_000 }, callbacks: 'drop' });
const db = 'bq_inflight';
const url = dbUrl(db);
await createDb(db);
const store = await openStore({ home: '/tmp', databaseUrl: url });
await store.migrateUp();
await store.pool.query('VACUUM ANALYZE');
const [{ id: userId }] = (await store.pool.query("INSERT INTO users (username, credits) VALUES ('bench', $1) RETURNING id", [VIDEOS])).rows;

const starts = new Map();
const cell = { system: 'ttops', build: opt.build, concurrency: Number(opt.concurrency), env: { KIE_BASE_URL: kie.url, KIE_API_KEYS: 'kie-key-1', PROVIDER_POLL_SECONDS: opt.poll } };
const worker = forkNode(NODES[opt.node], path.join(HERE, 'worker.mjs'), [JSON.stringify({ system: 'ttops', url, cell, mode: 'inflight', instance: 1 })]);
worker.on('message', (m) => m?.type === 'starts' && m.items.forEach(([k, lat]) => k >= 0 && starts.set(k, lat)));
const { pid } = await nextMessage(worker, 'ready');
const usage = async () => {
  worker.send({ type: 'usage' });
  return nextMessage(worker, 'usage');
};
const counts = async () => Object.fromEntries((await store.pool.query('SELECT status, count(*)::int AS n FROM jobs WHERE kind = $1 GROUP BY status', ['video.generate'])).rows.map((r) => [r.status, r.n]));

const timeline = [];
const u0 = await usage();
const t0 = wallNow();
const sample = async (label) => {
  const u = await usage();
  const row = { label, s: r1((wallNow() - t0) / 1000), providerInFlight: kie.inFlight(), jobs: await counts(), workerBusySlots: u.busy, rssMiB: r1(u.rssKiB / 1024), cpuSecs: r2((u.cpuMs - u0.cpuMs) / 1000) };
  timeline.push(row);
  console.log(JSON.stringify(row));
  return row;
};

// 1. 1,000 videos for a user with credits: 100 orders of 10 through createVideoOrder.
const user = await store.findUserById(userId);
for (let i = 0; i < VIDEOS / 10; i++) await createVideoOrder(store, user, { template: 'unboxing', product_name: `Mug ${i}`, count: 10 }, 1);
const tOrdered = wallNow();
let allWaiting;
while (!allWaiting) {
  const row = await sample('submitting');
  if (row.providerInFlight >= VIDEOS && (row.jobs.waiting_provider ?? 0) === VIDEOS) allWaiting = row;
  else await sleep(250);
  if (wallNow() - t0 > 120_000) throw new Error('submission did not finish in 120 s');
}
const submitSecs = (wallNow() - tOrdered) / 1000;

// 2. While all 1,000 wait at the provider: a burst of 200 noops in one enqueue, then a
//    single-job stream at 50/s for 30 s (spans the first provider poll wave at ~20 s).
const noopLat = (from, to) => dist([...starts.entries()].filter(([k]) => k >= from && k < to).map(([, v]) => v));
await store.enqueueJobs(Array.from({ length: 200 }, (_, k) => ({ kind: 'noop', payload: { k, t: wallNow() } })));
for (const t = wallNow(); noopLat(0, 200).n < 200 && wallNow() - t < 15_000; ) await sleep(20);
const burst = noopLat(0, 200);
await sample('after noop burst');
const streamStart = wallNow();
let k = 1000;
for (let i = 0; wallNow() - streamStart < 30_000; i++) {
  const due = streamStart + i * 20;
  if (due > wallNow()) await sleep(due - wallNow());
  void store.enqueueJobs([{ kind: 'noop', payload: { k: k++, t: wallNow() } }]);
  if (i % 250 === 0) await sample('noop stream');
}
await sleep(1000);
const stream = noopLat(1000, k);

// 3. Until the provider has finished every task and polling has recorded it.
let done;
while (!done) {
  const row = await sample('polling');
  if ((row.jobs.succeeded ?? 0) === VIDEOS) done = row;
  else await sleep(2000);
  if (wallNow() - t0 > 240_000) break;
}
worker.send({ type: 'stop' });
await waitExit(worker);
const calls = kie.calls.reduce((acc, c) => ({ ...acc, [c.op]: (acc[c.op] ?? 0) + 1 }), {});
await store.close();
await kie.close();
await dropDb(db);

const f = (d) => `n=${d.n} p50 ${r2(d.p50)} / p90 ${r2(d.p90)} / p99 ${r2(d.p99)} / max ${r2(d.max)} ms`;
console.log(`\nworker pid ${pid}, concurrency ${opt.concurrency}, PROVIDER_POLL_SECONDS ${opt.poll}, Node ${opt.node}${opt.build ? `, build ${opt.build}` : ''}`);
console.log(`- ${VIDEOS} videos submitted and waiting_provider ${r1(submitSecs)} s after the last order (provider inFlight ${allWaiting.providerInFlight}, worker busy slots ${allWaiting.workerBusySlots}, RSS ${allWaiting.rssMiB} MiB)`);
console.log(`- noop burst of 200 (one enqueue) while ${VIDEOS} in flight: enqueue→start ${f(burst)}`);
console.log(`- noop stream 50/s for 30 s while ${VIDEOS} in flight (spans the poll wave): enqueue→start ${f(stream)}`);
console.log(`- all ${VIDEOS} succeeded: ${done ? `${done.s} s after start` : 'NOT within 240 s'}; worker CPU ${done?.cpuSecs ?? '?'} s total; max RSS ${Math.max(...timeline.map((r) => r.rssMiB))} MiB; provider calls ${JSON.stringify(calls)}`);
