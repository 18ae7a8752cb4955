-- Batches (#22): many jobs of one agent under one id, stored all or none.
-- A batch's counts by state are columns kept by the store's transition script
-- (scripts::transition, the same code for both backends) in the transaction
-- of each item's change, so GET /v1/batches/{id} and its live stream read one
-- row, never count 10,000 items.
CREATE TABLE batches (
  id               TEXT PRIMARY KEY,          -- UUIDv7
  agent            TEXT NOT NULL,
  agent_version    TEXT NOT NULL,
  params           TEXT NOT NULL,             -- the shared params (JSON object)
  request_hash     TEXT NOT NULL,             -- SHA-256 of the canonical request (Idempotency-Key)
  idempotency_key  TEXT,
  token_name       TEXT,
  items            INTEGER NOT NULL,
  images           INTEGER NOT NULL,          -- requested by all items
  cost             INTEGER NOT NULL,          -- micro-units: what admission committed for all items
  images_produced  INTEGER NOT NULL DEFAULT 0,
  n_queued         INTEGER NOT NULL DEFAULT 0,
  n_uploading      INTEGER NOT NULL DEFAULT 0,
  n_submitting     INTEGER NOT NULL DEFAULT 0,
  n_running        INTEGER NOT NULL DEFAULT 0,
  n_succeeded      INTEGER NOT NULL DEFAULT 0,
  n_failed         INTEGER NOT NULL DEFAULT 0,
  n_canceled       INTEGER NOT NULL DEFAULT 0,
  notify_url       TEXT,
  notify_all       INTEGER NOT NULL DEFAULT 0,
  retry_of         TEXT REFERENCES batches(id),
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  held             INTEGER NOT NULL DEFAULT 0, -- admitted over budget: every item waits (held)
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  started_at       INTEGER,                   -- the first item left the queue
  finished_at      INTEGER                    -- every item is in a terminal state
) STRICT;

-- Idempotency-Keys are per API token, as for jobs (0008).
CREATE UNIQUE INDEX batches_idempotency_key ON batches(coalesce(token_name, ''), idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX batches_by_finish ON batches(finished_at) WHERE finished_at IS NOT NULL;

-- An item is a job with its batch, its place in the batch and its name
-- (taskName, or the input's file name: the results manifest and the ZIP use it).
ALTER TABLE jobs ADD COLUMN batch_id TEXT REFERENCES batches(id);
ALTER TABLE jobs ADD COLUMN batch_index INTEGER;
ALTER TABLE jobs ADD COLUMN item_name TEXT;
CREATE INDEX jobs_by_batch ON jobs(batch_id, batch_index) WHERE batch_id IS NOT NULL;
