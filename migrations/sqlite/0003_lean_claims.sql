-- Up Migration
-- As in the PostgreSQL step of the same number: rows without a user or order stay out of
-- those indexes. (The dedupe key keeps its column UNIQUE here: dropping it would mean
-- rebuilding the table, and SQLite writes no extra row version per update anyway.)
DROP INDEX jobs_user_idx;
CREATE INDEX jobs_user_idx ON jobs (user_id, id) WHERE user_id IS NOT NULL;
DROP INDEX jobs_order_idx;
CREATE INDEX jobs_order_idx ON jobs (order_id) WHERE order_id IS NOT NULL;
-- Only the hourly prune read this, and it can afford a scan; every completion paid for it.
DROP INDEX jobs_finished_idx;

-- Down Migration
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE finished_at IS NOT NULL;
DROP INDEX jobs_order_idx;
CREATE INDEX jobs_order_idx ON jobs (order_id);
DROP INDEX jobs_user_idx;
CREATE INDEX jobs_user_idx ON jobs (user_id, id);
