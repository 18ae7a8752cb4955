-- Retention (#21): the same schema and meanings as SQLite's 0010_retention.sql
-- (see there). Counters are totals: a purged (deleted) job stays counted, so
-- job_counts follows inserts and state changes only.
DROP TRIGGER job_counts_insert_delete ON jobs;
CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs
  FOR EACH ROW EXECUTE FUNCTION job_counts_follow();

CREATE INDEX jobs_by_finish ON jobs(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_by_retry_of ON jobs(retry_of) WHERE retry_of IS NOT NULL;

CREATE TABLE usage_purged (
  budget_window     TEXT NOT NULL,
  agent             TEXT NOT NULL,
  token_name        TEXT NOT NULL,
  jobs              BIGINT NOT NULL DEFAULT 0,
  images_requested  BIGINT NOT NULL DEFAULT 0,
  images_produced   BIGINT NOT NULL DEFAULT 0,
  spend             BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (budget_window, agent, token_name)
);

CREATE TABLE purged_jobs (
  id           TEXT PRIMARY KEY,
  finished_at  BIGINT NOT NULL,
  purged_at    BIGINT NOT NULL
);
CREATE INDEX purged_jobs_by_age ON purged_jobs(purged_at);
