// Dead-worker recovery for ttops: worker A runs 16 long jobs, worker B idles with free
// slots; A is SIGKILLed; we time, per job, SIGKILL → the job's handler starting again in B.
// Expected bound: a claim and each heartbeat (every lease/3) set locked_until = now + lease,
// so the lease runs out 2/3·lease … lease after the kill, and B's poll timer (JOB_POLL_MS)
// finds the jobs (no NOTIFY announces an expired lease).
//
//   bench/queue/node_modules/.bin/node bench/queue/recovery.mjs [--reps 3] [--leases 5]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { HERE, NODES, ROOT, createDb, dbUrl, dist, dropDb, forkNode, mmm, nextMessage, r1, sleep, waitExit, wallNow } from './lib.mjs';

const { values: opt } = parseArgs({ options: { reps: { type: 'string', default: '3' }, leases: { type: 'string', default: '5' }, node: { type: 'string', default: '22' } } });
const { openStore } = await import(pathToFileURL(path.join(ROOT, 'dist/src/store/open.js')).href);
const JOBS = 16;

function startWorker(url, lease, instance, sleepMs, starts) {
  const cell = { system: 'ttops', concurrency: 16, env: { JOB_LEASE_SECONDS: String(lease) } };
  const child = forkNode(NODES[opt.node], path.join(HERE, 'worker.mjs'), [JSON.stringify({ system: 'ttops', url, cell, mode: 'sleep', instance, sleepMs })]);
  child.on('message', (m) => m?.type === 'starts' && m.items.forEach(([k, , at]) => starts.push({ k, at })));
  return child;
}

async function once(lease, rep, killAfterMs) {
  const db = `bq_recovery_${lease}_${rep}`;
  const url = dbUrl(db);
  await createDb(db);
  const store = await openStore({ home: '/tmp', databaseUrl: url });
  await store.migrateUp();
  const startsA = [];
  const startsB = [];
  const a = startWorker(url, lease, 1, 600_000, startsA);
  await nextMessage(a, 'ready');
  await store.enqueueJobs(Array.from({ length: JOBS }, (_, k) => ({ kind: 'sleep', payload: { k, t: wallNow() } })));
  while (startsA.length < JOBS) await sleep(20);
  const b = startWorker(url, lease, 2, 500, startsB);
  await nextMessage(b, 'ready');
  await sleep(killAfterMs);
  const tKill = wallNow();
  a.kill('SIGKILL');
  await waitExit(a);
  while (new Set(startsB.map((s) => s.k)).size < JOBS && wallNow() - tKill < 3 * lease * 1000 + 10_000) await sleep(20);
  const firstByK = new Map();
  for (const s of startsB) if (!firstByK.has(s.k)) firstByK.set(s.k, s.at);
  const secs = [...firstByK.values()].map((at) => (at - tKill) / 1000);
  await sleep(1500); // let B finish them, to count starts
  b.send({ type: 'stop' });
  await waitExit(b);
  const { rows } = await store.pool.query("SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded, max(attempts)::int AS max_attempts FROM jobs");
  await store.close();
  await dropDb(db);
  const m = mmm(secs);
  return { lease, rep, killAfterMs, recovered: firstByK.size, of: JOBS, startsInB: startsB.length, minS: r1(m.min), medianS: r1(m.median), maxS: r1(m.max), succeeded: rows[0].succeeded, maxAttempts: rows[0].max_attempts };
}

const results = [];
for (const lease of opt.leases.split(',').map(Number)) {
  for (let rep = 1; rep <= Number(opt.reps); rep++) {
    // Vary where in the heartbeat period the kill lands.
    const r = await once(lease, rep, 700 + Math.round(((rep - 1) / Number(opt.reps)) * (lease * 1000) / 3));
    results.push(r);
    console.log(JSON.stringify(r));
  }
}
console.log('\n| JOB_LEASE_SECONDS | rep | kill after | jobs recovered | SIGKILL → restart in B: min / median / max (s) | starts in B | succeeded after |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.lease} | ${r.rep} | ${r.killAfterMs} ms | ${r.recovered}/${r.of} | ${r.minS} / ${r.medianS} / **${r.maxS}** | ${r.startsInB} | ${r.succeeded} |`);
