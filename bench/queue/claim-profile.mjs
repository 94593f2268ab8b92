// Where a ttops drain round spends its time: two loops that do what one `ttops worker`
// fetch round does (completeJobs of the last batch, then claimJobs of `--limit` jobs) through
// the store, timing each call, plus EXPLAIN (ANALYZE, BUFFERS) of the claim's SELECT at a
// few backlog depths. `cold` = fresh schema + VACUUM ANALYZE of the empty table; `warm` =
// 500 jobs through first, then VACUUM ANALYZE (statistics as autovacuum would leave them).
//
//   node bench/queue/claim-profile.mjs [--limit 16] [--n 20000]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ROOT, createDb, dbUrl, dist, dropDb, r2, r3 } from './lib.mjs';

const { values: opt } = parseArgs({ options: { limit: { type: 'string', default: '16' }, n: { type: 'string', default: '20000' } } });
const LIMIT = Number(opt.limit);
const N = Number(opt.n);
const KINDS = ['notify.telegram', 'video.generate', 'noop'];
const { openStore } = await import(pathToFileURL(path.join(ROOT, 'dist/src/store/open.js')).href);

const CLAIM_SELECT = `SELECT id FROM jobs
  WHERE status = ANY('{queued,running,waiting_provider}'::text[]) AND run_at <= now() AND ('{${KINDS}}'::text[] IS NULL OR kind = ANY('{${KINDS}}'::text[]))
  ORDER BY priority, run_at, id LIMIT ${LIMIT} FOR UPDATE SKIP LOCKED`;

async function explain(store) {
  const client = await store.pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${CLAIM_SELECT}`);
    await client.query('ROLLBACK');
    return rows.map((r) => r['QUERY PLAN']);
  } finally {
    client.release();
  }
}

const brief = (plan) => plan.filter((l) => /Scan|Sort|Limit|Execution Time|rows=/.test(l) && !/Buffers/.test(l)).map((l) => l.trim().replace(/\s+/g, ' '));

// Since 3d3dcd8 claimJobs takes the finished ids and records them in the same statement.
const FOLDED = (await openStore({ home: '/tmp', databaseUrl: dbUrl('postgres') })).claimJobs.length >= 5;

async function loop(store, id, timings) {
  let last = [];
  for (;;) {
    let t = performance.now();
    if (!FOLDED) {
      await store.completeJobs(id, last);
      if (last.length) timings.complete.push(performance.now() - t);
      t = performance.now();
    }
    const jobs = FOLDED ? await store.claimJobs(id, LIMIT, 10_000, KINDS, last) : await store.claimJobs(id, LIMIT, 10_000, KINDS);
    timings.claim.push(performance.now() - t);
    if (jobs.length === 0) return;
    last = jobs.map((j) => j.id);
  }
}

async function profile(mode) {
  const db = `bq_profile_${mode}`;
  await createDb(db);
  const store = await openStore({ home: '/tmp', databaseUrl: dbUrl(db) });
  await store.migrateUp();
  await store.pool.query('VACUUM ANALYZE');
  if (mode === 'warm') {
    await store.enqueueJobs(Array.from({ length: 500 }, () => ({ kind: 'noop', payload: {} })));
    await loop(store, 'warm', { claim: [], complete: [] });
    await store.pool.query('VACUUM ANALYZE');
  }
  await store.enqueueJobs(Array.from({ length: N }, (_, k) => ({ kind: 'noop', payload: { k } })));
  const plans = { [`backlog ${N}`]: brief(await explain(store)) };
  const timings = { claim: [], complete: [] };
  const t0 = performance.now();
  await Promise.all([loop(store, 'w1', timings), loop(store, 'w2', timings)]);
  const ms = performance.now() - t0;
  const { rows } = await store.pool.query("SELECT pg_size_pretty(pg_relation_size('jobs_claim_idx')) AS claim_idx, (SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'jobs') AS dead");
  await store.close();
  await dropDb(db);
  const d = (xs) => Object.fromEntries(Object.entries(dist(xs)).map(([k, v]) => [k, r3(v)]));
  return { mode, limit: LIMIT, completionFoldedIntoClaim: FOLDED, jobsPerSec: Math.round(N / (ms / 1000)), claimMs: d(timings.claim), completeMs: d(timings.complete), roundMsMedian: r2(dist(timings.claim).p50 + (FOLDED ? 0 : dist(timings.complete).p50)), plans, after: rows[0] };
}

for (const mode of ['cold', 'warm']) console.log(JSON.stringify(await profile(mode), null, 1));
