/**
 * The PostgreSQL claim keeps to its indexes whatever the table looked like when a worker's
 * connection planned it. plpgsql caches the claim's plan per connection; made on a small
 * table and never re-made (no ANALYZE in between), a plan with sequential scans would read
 * every job ever kept on every claim.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { postgresEngine, type TestEngine } from '../helpers/engines.js';

let engine: TestEngine;
let store: Store;
let client: pg.Client;

before(async () => {
  engine = await postgresEngine();
  store = await openStore(engine.settings);
  await store.migrateUp();
  client = new pg.Client({ connectionString: engine.settings.databaseUrl });
  await client.connect();
  // Statistics must not change under the test: an ANALYZE would make PostgreSQL re-plan.
  await client.query('ALTER TABLE jobs SET (autovacuum_enabled = false)');
});
after(async () => {
  await client.end();
  await store.close();
  await engine.cleanup();
});

test('a claim planned on a near-empty table still uses the indexes once the table has grown', async () => {
  let done: number[] = [];
  const claim = async () => {
    const { rows } = await client.query({ name: 'claim', text: 'SELECT id FROM ttops_claim_jobs($1, $2, $3, $4, $5)', values: [64, 'w', 5000, null, done] });
    done = rows.map((r) => Number(r.id));
    return done;
  };
  // A quiet start: the connection claims one job at a time and settles on a plan.
  for (let i = 0; i < 10; i++) {
    await store.enqueueJobs([{ kind: 'noop' }]);
    assert.equal((await claim()).length, 1);
  }
  await store.enqueueJobs(Array.from({ length: 3000 }, () => ({ kind: 'noop', runAt: new Date(Date.now() + 3600_000).toISOString() })));
  await store.enqueueJobs([{ kind: 'noop' }]);

  const plans: string[] = [];
  client.on('notice', (n) => plans.push(n.message ?? ''));
  await client.query("LOAD 'auto_explain'");
  await client.query('SET auto_explain.log_min_duration = 0');
  await client.query('SET auto_explain.log_nested_statements = on');
  await client.query('SET auto_explain.log_level = notice');
  assert.equal((await claim()).length, 1);

  const inner = plans.find((p) => p.includes('CTE next'));
  assert.ok(inner, `the claim statement's plan was reported:\n${plans.join('\n')}`);
  assert.match(inner, /Index Scan using jobs_claim_idx/);
  assert.doesNotMatch(inner, /Seq Scan/);
});
