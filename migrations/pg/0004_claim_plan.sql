-- Up Migration
-- plpgsql switches the claim to a generic plan after a few calls and keeps it for the life
-- of the connection (until statistics change, which with autovacuum off is never). Made while
-- `jobs` is small, that plan finds rows by id with sequential scans: with 24,000 rows a claim
-- of one job took 2.6–3.2 ms instead of 0.47, and one loop drained 7,200–8,000 jobs/s instead
-- of 60,000 (bench/queue/claim-call.mjs). Every part of the claim has an index; with sequential scans
-- ruled out, as sorts already are, the plan uses them whatever the statistics say.
ALTER FUNCTION ttops_claim_jobs(integer, text, double precision, text[], bigint[]) SET enable_seqscan = off;

-- Down Migration
ALTER FUNCTION ttops_claim_jobs(integer, text, double precision, text[], bigint[]) RESET enable_seqscan;
