-- Jobs, their audit trail, and the upload dedupe table.
-- Times are Unix milliseconds (UTC). JSON columns hold canonical JSON text.

CREATE TABLE jobs (
  id               TEXT PRIMARY KEY,          -- UUIDv7: sorts in creation order
  agent            TEXT NOT NULL,
  agent_version    TEXT NOT NULL,
  input            TEXT NOT NULL,             -- JSON object
  params           TEXT NOT NULL,             -- JSON object
  state            TEXT NOT NULL CHECK (state IN
                     ('queued','uploading','submitting','running','succeeded','failed','canceled')),
  execution_id     TEXT,                      -- WeShop's meta.executionId, once known
  upstream_status  TEXT,                      -- WeShop's run status, verbatim
  results          TEXT NOT NULL DEFAULT '[]',-- JSON array of {status, image}
  error_code       TEXT,
  error_message    TEXT,
  error_retryable  INTEGER,
  idempotency_key  TEXT,
  request_hash     TEXT NOT NULL,             -- SHA-256 of the canonical request
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,                   -- next poll or submit retry; NULL when nothing is due
  deadline_at      INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  finished_at      INTEGER
) STRICT;

CREATE INDEX jobs_by_state ON jobs(state, id);
CREATE INDEX jobs_by_agent ON jobs(agent, id);
CREATE INDEX jobs_due ON jobs(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs(idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Append-only: one row per state change, written in the same transaction.
CREATE TABLE job_events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  from_state  TEXT,
  to_state    TEXT NOT NULL,
  at          INTEGER NOT NULL,
  detail      TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX job_events_by_job ON job_events(job_id, id);

-- One upload per distinct file content, shared by every job that uses it.
CREATE TABLE uploads (
  sha256       TEXT PRIMARY KEY,
  url          TEXT NOT NULL,
  size         INTEGER NOT NULL,
  uploaded_at  INTEGER NOT NULL
) STRICT;
