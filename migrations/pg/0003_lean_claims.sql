-- Up Migration
-- Every claim and every completion writes a new row version, and each version costs one entry
-- in every index on the table. Most jobs (notifications, internal work) have no dedupe key,
-- user or order: indexing only the rows that have them, and dropping the finished-at index,
-- takes such a job from ten index entries over its claim and completion to three.
ALTER TABLE jobs DROP CONSTRAINT jobs_dedupe_key_key;
CREATE UNIQUE INDEX jobs_dedupe_key ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL;
DROP INDEX jobs_user_idx;
CREATE INDEX jobs_user_idx ON jobs (user_id, id) WHERE user_id IS NOT NULL;
DROP INDEX jobs_order_idx;
CREATE INDEX jobs_order_idx ON jobs (order_id) WHERE order_id IS NOT NULL;
-- Only the hourly prune read this, and it can afford a scan; every completion paid for it.
DROP INDEX jobs_finished_idx;
-- The prune's delete sets outbox.job_id to NULL for every job it removes (ON DELETE SET NULL);
-- without an index each of those is a scan of the outbox: 5,000 jobs against 10,000 outbox rows
-- took 3.9 s, 68 ms with it.
CREATE INDEX outbox_job_idx ON outbox (job_id) WHERE job_id IS NOT NULL;

-- The claim: finish the worker's previous batch and lease the next `lim` due jobs, in one
-- statement. It lives here, not in the adapter, for one setting: without statistics (a fresh
-- install, or autovacuum off) the planner guesses a few dozen due rows and sorts a bitmap scan
-- of the whole backlog on every claim (8–35 ms at 20,000 queued, against 0.1–0.3 ms); with
-- sorting ruled out, the only plan left walks jobs_claim_idx in order and stops after `lim` rows.
-- plpgsql keeps the plan per connection; the statuses are literal so that the partial index
-- provably applies, and `= ANY(ARRAY(...))` keeps the update on the primary key. `done` finds
-- rows by id and worker only (see the PostgreSQL adapter: a status test there walked the claim
-- index instead of the primary key, 18,000 rows per claim, once statistics said few jobs run).
CREATE FUNCTION ttops_claim_jobs(lim integer, worker text, lease_ms double precision, only_kinds text[], done_ids bigint[])
RETURNS SETOF jobs LANGUAGE plpgsql SET enable_sort = off AS $$
BEGIN
  RETURN QUERY
  WITH done AS (
    UPDATE jobs SET status = 'succeeded', finished_at = now(), updated_at = now(), locked_by = NULL, locked_until = NULL
    WHERE id = ANY(done_ids) AND locked_by = worker),
  next AS (
    SELECT id FROM jobs
    WHERE status IN ('queued', 'running', 'waiting_provider') AND run_at <= now()
      AND (only_kinds IS NULL OR kind = ANY(only_kinds)) AND id <> ALL(done_ids)
    ORDER BY priority, run_at, id LIMIT lim FOR UPDATE SKIP LOCKED)
  UPDATE jobs j SET status = 'running', locked_by = worker, updated_at = now(),
         locked_until = now() + make_interval(secs => lease_ms / 1000), run_at = now() + make_interval(secs => lease_ms / 1000),
         attempts = j.attempts + (CASE WHEN j.status = 'running' THEN 1 ELSE 0 END)
  WHERE j.id = ANY(ARRAY(SELECT id FROM next))
  RETURNING j.*;
END $$;

-- Down Migration
DROP INDEX outbox_job_idx;
DROP FUNCTION ttops_claim_jobs(integer, text, double precision, text[], bigint[]);
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE finished_at IS NOT NULL;
DROP INDEX jobs_order_idx;
CREATE INDEX jobs_order_idx ON jobs (order_id);
DROP INDEX jobs_user_idx;
CREATE INDEX jobs_user_idx ON jobs (user_id, id);
DROP INDEX jobs_dedupe_key;
ALTER TABLE jobs ADD CONSTRAINT jobs_dedupe_key_key UNIQUE (dedupe_key);
