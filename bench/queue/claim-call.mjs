// How a worker connection's claim ages: a fresh `jobs` table, one job per claim for a while
// (a quiet queue), then a burst of 20,000 due jobs drained by one loop, then one job per
// claim again on the table the burst left. Three forms of the claim, each on a fresh database:
//   0003    `ttops_claim_jobs` as migration 0003 made it (enable_sort off)
//   0004    the same function with sequential scans ruled out too (migration 0004)
//   inline  the function's statement prepared by the client, planned by PostgreSQL alone
// Each one-job claim follows the insert of one job and completes the previous one, as the
// worker does. Times are per claim call, client side; `jobs` is never analyzed.
//
//   node bench/queue/claim-call.mjs [--rounds 2]
import { parseArgs } from 'node:util';
import { dist, r3, ttopsModule, withMigratedDb } from './lib.mjs';

const { values: opt } = parseArgs({ options: { rounds: { type: 'string', default: '2' } } });
const { JOB_COLUMNS } = await ttopsModule('store/pg/jobs.js');
const FUNCTION = `SELECT ${JOB_COLUMNS.join(', ')} FROM ttops_claim_jobs($1, $2, $3, $4, $5)`;
// The body of ttops_claim_jobs with its arguments as parameters.
const INLINE = `WITH done AS (
    UPDATE jobs SET status = 'succeeded', finished_at = now(), updated_at = now(), locked_by = NULL, locked_until = NULL
    WHERE id = ANY($5::bigint[]) AND locked_by = $2),
  next AS (
    SELECT id FROM jobs
    WHERE status IN ('queued', 'running', 'waiting_provider') AND run_at <= now()
      AND ($4::text[] IS NULL OR kind = ANY($4::text[])) AND id <> ALL($5::bigint[])
    ORDER BY priority, run_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
  UPDATE jobs j SET status = 'running', locked_by = $2, updated_at = now(),
         locked_until = now() + make_interval(secs => $3::float8 / 1000), run_at = now() + make_interval(secs => $3::float8 / 1000),
         attempts = j.attempts + (CASE WHEN j.status = 'running' THEN 1 ELSE 0 END)
  WHERE j.id = ANY(ARRAY(SELECT id FROM next))
  RETURNING ${JOB_COLUMNS.map((c) => `j.${c}`).join(', ')}`;
const FORMS = {
  '0003': { text: FUNCTION, setup: 'ALTER FUNCTION ttops_claim_jobs(integer, text, double precision, text[], bigint[]) RESET enable_seqscan' },
  '0004': { text: FUNCTION },
  inline: { text: INLINE },
};

/** One claim loop on one connection, completing each batch in the next claim. */
function claimer(client, text) {
  let done = [];
  return async () => {
    const t = performance.now();
    const { rows } = await client.query({ name: 'claim', text, values: [64, 'probe', 5000, null, done] });
    done = rows.map((r) => r.id);
    return { ms: performance.now() - t, claimed: rows.length };
  };
}

async function oneJobClaims(client, claim, calls) {
  const times = [];
  for (let i = 0; i < calls; i++) {
    await client.query("INSERT INTO jobs (kind, payload) VALUES ('noop', '{}')");
    times.push((await claim()).ms);
  }
  return dist(times);
}

function measure(form) {
  return withMigratedDb('bq_claim_call', async ({ client }) => {
    if (FORMS[form].setup) await client.query(FORMS[form].setup);
    const claim = claimer(client, FORMS[form].text);
    const quiet = await oneJobClaims(client, claim, 3000);
    await client.query("INSERT INTO jobs (kind, payload) SELECT 'noop', '{}' FROM generate_series(1, 20000)");
    const started = performance.now();
    while ((await claim()).claimed > 0);
    const drainPerSec = 20_000 / ((performance.now() - started) / 1000);
    const after = await oneJobClaims(client, claim, 1000);
    return { form, quietP50: r3(quiet.p50), drainPerSec: Math.round(drainPerSec), afterP50: r3(after.p50), afterP99: r3(after.p99) };
  });
}

console.log('| claim | round | one job per claim, 3,000 calls: p50 ms | one loop drains 20,000: jobs/s | then one job per claim: p50 / p99 ms |\n|---|---|---|---|---|');
for (let round = 1; round <= Number(opt.rounds); round++) {
  for (const form of Object.keys(FORMS)) {
    const r = await measure(form);
    console.log(`| ${form} | ${round} | ${r.quietP50} | ${r.drainPerSec} | ${r.afterP50} / ${r.afterP99} |`);
  }
}
