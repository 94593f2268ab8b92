// Why the PostgreSQL claim is a function with `SET enable_sort = off` (migration 0003): the
// plan and time of the claim's selection on a `jobs` table that has never been analyzed (a
// fresh install, or autovacuum off) with 20,000 queued jobs, as PostgreSQL plans it by itself
// and with sorting ruled out, followed by a timed loop of real claims through the store.
//
//   node bench/queue/claim-plan.mjs [--n 20000] [--limit 64]
import { parseArgs } from 'node:util';
import { dist, r2, withMigratedDb } from './lib.mjs';

const { values: opt } = parseArgs({ options: { n: { type: 'string', default: '20000' }, limit: { type: 'string', default: '64' } } });
const N = Number(opt.n);
const LIMIT = Number(opt.limit);

// The selection inside ttops_claim_jobs, with the same literal statuses and parameters.
const SELECT = `SELECT id FROM jobs
  WHERE status IN ('queued', 'running', 'waiting_provider') AND run_at <= now()
    AND ($1::text[] IS NULL OR kind = ANY($1::text[])) AND id <> ALL($2::bigint[])
  ORDER BY priority, run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`;

await withMigratedDb('bq_claim_plan', async ({ store, client }) => {
  await store.enqueueJobs(Array.from({ length: N }, () => ({ kind: 'noop' })));
  for (const setting of ['enable_sort = on', 'enable_sort = off']) {
    await client.query(`SET ${setting}`);
    // A cached generic plan keeps the settings it was made under: prepare afresh for each.
    await client.query('DEALLOCATE ALL');
    await client.query(`PREPARE sel(text[], bigint[], int) AS ${SELECT}`);
    for (const mode of ['force_custom_plan', 'force_generic_plan']) {
      await client.query(`SET plan_cache_mode = ${mode}`);
      await client.query('BEGIN');
      const { rows } = await client.query(`EXPLAIN (ANALYZE, COSTS OFF) EXECUTE sel(NULL, '{}', ${LIMIT})`);
      await client.query('ROLLBACK');
      const plan = rows.map((r) => r['QUERY PLAN']);
      const nodes = plan.filter((l) => /Scan|Sort /.test(l)).map((l) => l.trim().replace(/\s+\(actual.*/, ''));
      const ms = plan.find((l) => l.startsWith('Execution Time'));
      console.log(`${setting.padEnd(17)} ${mode.padEnd(18)} ${ms}  ${nodes.join(' → ')}`);
    }
  }
  // The real claim (the function, enable_sort off inside), one loop, completing each batch in the next claim.
  const times = [];
  let done = [];
  for (;;) {
    const t = performance.now();
    const jobs = await store.claimJobs('plan-probe', LIMIT, 5000, undefined, done);
    times.push(performance.now() - t);
    if (jobs.length === 0) break;
    done = jobs.map((j) => j.id);
  }
  const d = dist(times);
  console.log(`store.claimJobs(limit ${LIMIT}) on the un-analyzed table: ${times.length} calls, p50 ${r2(d.p50)} ms, p99 ${r2(d.p99)} ms`);
});
