-- Retention (#21): finished jobs older than jobs.retention_days are purged in
-- small batches (scripts::purge_expired). What must outlive the rows:
--
-- Counters are totals since the start: a purged job stays counted, so the
-- delete no longer decrements job_counts (the purge deletes terminal jobs only;
-- the live states' counts never see a delete).
DROP TRIGGER job_counts_delete;

-- The purge takes the oldest finished jobs first, by an index (no table scan).
CREATE INDEX jobs_by_finish ON jobs(finished_at) WHERE finished_at IS NOT NULL;
-- Deleting a job checks that no job retries it (retry_of's foreign key): by an
-- index, not a scan per deleted row.
CREATE INDEX jobs_by_retry_of ON jobs(retry_of) WHERE retry_of IS NOT NULL;

-- GET /v1/usage of a purged job's day stays as it was: the purge adds the
-- job's figures here (one row per window, agent and token; '' for no token)
-- and usage() reads the jobs and this table together. budget_usage (0007) has
-- no delete trigger: the ledger is untouched by a purge.
CREATE TABLE usage_purged (
  budget_window     TEXT NOT NULL,
  agent             TEXT NOT NULL,
  token_name        TEXT NOT NULL,
  jobs              INTEGER NOT NULL DEFAULT 0,
  images_requested  INTEGER NOT NULL DEFAULT 0,
  images_produced   INTEGER NOT NULL DEFAULT 0,
  spend             INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (budget_window, agent, token_name)
) STRICT, WITHOUT ROWID;

-- Tombstones: ids known to have existed, so GET answers job_expired instead of
-- not_found. Bounded: the sweep deletes a tombstone a fixed horizon after its
-- purge (scripts::tombstone_horizon), by purged_at.
CREATE TABLE purged_jobs (
  id           TEXT PRIMARY KEY,
  finished_at  INTEGER NOT NULL,
  purged_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX purged_jobs_by_age ON purged_jobs(purged_at);
