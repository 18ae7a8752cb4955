-- Batches (#22): the same schema and meanings as SQLite's 0011_batches.sql
-- (see there).
CREATE TABLE batches (
  id               TEXT PRIMARY KEY,
  agent            TEXT NOT NULL,
  agent_version    TEXT NOT NULL,
  params           TEXT NOT NULL,
  request_hash     TEXT NOT NULL,
  idempotency_key  TEXT,
  token_name       TEXT,
  items            BIGINT NOT NULL,
  images           BIGINT NOT NULL,
  cost             BIGINT NOT NULL,
  images_produced  BIGINT NOT NULL DEFAULT 0,
  n_queued         BIGINT NOT NULL DEFAULT 0,
  n_uploading      BIGINT NOT NULL DEFAULT 0,
  n_submitting     BIGINT NOT NULL DEFAULT 0,
  n_running        BIGINT NOT NULL DEFAULT 0,
  n_succeeded      BIGINT NOT NULL DEFAULT 0,
  n_failed         BIGINT NOT NULL DEFAULT 0,
  n_canceled       BIGINT NOT NULL DEFAULT 0,
  notify_url       TEXT,
  notify_all       BOOLEAN NOT NULL DEFAULT false,
  retry_of         TEXT REFERENCES batches(id),
  cancel_requested BOOLEAN NOT NULL DEFAULT false,
  held             BOOLEAN NOT NULL DEFAULT false,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  started_at       BIGINT,
  finished_at      BIGINT
);

CREATE UNIQUE INDEX batches_idempotency_key ON batches((coalesce(token_name, '')), idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX batches_by_finish ON batches(finished_at) WHERE finished_at IS NOT NULL;

ALTER TABLE jobs ADD COLUMN batch_id TEXT REFERENCES batches(id);
ALTER TABLE jobs ADD COLUMN batch_index BIGINT;
ALTER TABLE jobs ADD COLUMN item_name TEXT;
CREATE INDEX jobs_by_batch ON jobs(batch_id, batch_index) WHERE batch_id IS NOT NULL;
