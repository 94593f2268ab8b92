// Why ttops's enqueue→start p99 at 400/s is mostly the enqueue call: store.enqueueJobs is
// a transaction of four round trips (BEGIN, INSERT … RETURNING, SELECT pg_notify, COMMIT).
// This times it, open loop at `--rate`/s, against the same insert and notify as ONE
// statement (an implicit transaction; NOTIFY is still delivered at commit), in turns.
//
//   BENCH_TTOPS_ROOT=/tmp/ttops-queue-head node bench/queue/enqueue-profile.mjs [--rate 400] [--seconds 10] [--reps 2]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ROOT, createDb, dbUrl, dist, dropDb, r2, sleep } from './lib.mjs';

const { values: opt } = parseArgs({ options: { rate: { type: 'string', default: '400' }, seconds: { type: 'string', default: '10' }, reps: { type: 'string', default: '2' } } });
const { openStore } = await import(pathToFileURL(path.join(ROOT, 'dist/src/store/open.js')).href);
const ONE_STATEMENT = `WITH ins AS (INSERT INTO jobs (kind, payload) VALUES ('noop', $1) RETURNING *)
  SELECT ins.*, (SELECT pg_notify('ttops_jobs', '')) AS notified FROM ins`;

async function openLoop(call) {
  const period = 1000 / Number(opt.rate);
  const ticks = Number(opt.seconds) * Number(opt.rate);
  const ms = [];
  let inFlight = 0;
  const start = performance.now();
  for (let i = 0; i < ticks; ) {
    const due = start + i * period;
    if (performance.now() < due) {
      await sleep(Math.max(0, due - performance.now() - 0.2));
      continue;
    }
    i++;
    if (inFlight >= 64) continue;
    inFlight++;
    const t = performance.now();
    call(i).then(() => ms.push(performance.now() - t)).finally(() => inFlight--);
  }
  while (inFlight > 0) await sleep(5);
  const d = dist(ms);
  return { n: d.n, p50: r2(d.p50), p90: r2(d.p90), p99: r2(d.p99), max: r2(d.max) };
}

await createDb('bq_enqueue');
const store = await openStore({ home: '/tmp', databaseUrl: dbUrl('bq_enqueue') });
await store.migrateUp();
for (let rep = 1; rep <= Number(opt.reps); rep++) {
  const tx = await openLoop((k) => store.enqueueJobs([{ kind: 'noop', payload: { k } }]));
  console.log(JSON.stringify({ rep, variant: 'store.enqueueJobs (BEGIN, INSERT, pg_notify, COMMIT)', ...tx }));
  const one = await openLoop((k) => store.pool.query(ONE_STATEMENT, [JSON.stringify({ k })]));
  console.log(JSON.stringify({ rep, variant: 'one statement (INSERT … RETURNING + pg_notify in a CTE)', ...one }));
}
await store.close();
await dropDb('bq_enqueue');
