-- The PostgreSQL schema: the same tables and meanings as the SQLite
-- migrations 0001-0005 (see ../), for several weshopd hosts sharing one queue.
-- Times are Unix milliseconds (UTC). JSON columns hold JSON text exactly as
-- written (TEXT, not JSONB: the bytes and key order are kept).

CREATE TABLE jobs (
  id                  TEXT PRIMARY KEY,          -- UUIDv7: sorts in creation order
  agent               TEXT NOT NULL,
  agent_version       TEXT NOT NULL,
  input               TEXT NOT NULL,
  params              TEXT NOT NULL,
  state               TEXT NOT NULL CHECK (state IN
                        ('queued','uploading','submitting','running','succeeded','failed','canceled')),
  execution_id        TEXT,
  upstream_status     TEXT,
  results             TEXT NOT NULL DEFAULT '[]',
  error_code          TEXT,
  error_message       TEXT,
  error_retryable     BOOLEAN,
  idempotency_key     TEXT,
  request_hash        TEXT NOT NULL,
  attempts            INTEGER NOT NULL DEFAULT 0,
  next_attempt_at     BIGINT,
  deadline_at         BIGINT,
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL,
  finished_at         BIGINT,
  last_event_id       BIGINT NOT NULL DEFAULT 0,
  callback_token_hash TEXT,
  notify_url          TEXT,
  notify_all          BOOLEAN NOT NULL DEFAULT FALSE,
  retry_of            TEXT REFERENCES jobs(id),
  mirror              TEXT                       -- NULL, pending, done, failed, expired
);

CREATE INDEX jobs_by_state ON jobs(state, id);
CREATE INDEX jobs_by_agent ON jobs(agent, id);
CREATE INDEX jobs_due ON jobs(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_mirror_pending ON jobs(id) WHERE mirror = 'pending';

CREATE TABLE job_events (
  id          BIGSERIAL PRIMARY KEY,
  job_id      TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  from_state  TEXT,
  to_state    TEXT NOT NULL,
  at          BIGINT NOT NULL,
  detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX job_events_by_job ON job_events(job_id, id);

CREATE TABLE uploads (
  sha256       TEXT PRIMARY KEY,
  url          TEXT NOT NULL,
  size         BIGINT NOT NULL,
  uploaded_at  BIGINT NOT NULL
);

CREATE TABLE deliveries (
  id               BIGSERIAL PRIMARY KEY,
  job_id           TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  event_id         BIGINT NOT NULL REFERENCES job_events(id) ON DELETE CASCADE,
  url              TEXT NOT NULL,
  state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','delivered','failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  BIGINT,
  last_status      INTEGER,
  last_error       TEXT,
  created_at       BIGINT NOT NULL,
  delivered_at     BIGINT
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_by_job ON deliveries(job_id, id);

CREATE TABLE result_files (
  job_id       TEXT NOT NULL REFERENCES jobs(id),
  n            INTEGER NOT NULL,
  path         TEXT NOT NULL,
  sha256       TEXT NOT NULL,
  bytes        BIGINT NOT NULL,
  content_type TEXT NOT NULL,
  stored_at    BIGINT NOT NULL,
  PRIMARY KEY (job_id, n)
);
CREATE INDEX result_files_by_age ON result_files(stored_at);

-- Jobs by (agent, state), kept exact by a trigger in the changing transaction.
-- Sharded by the writing session (pg_backend_pid), so daemons never queue on
-- (or deadlock over) the same counter rows; a reader sums the shards.
CREATE TABLE job_counts (
  agent TEXT NOT NULL,
  state TEXT NOT NULL,
  shard INTEGER NOT NULL,
  n     BIGINT NOT NULL,
  PRIMARY KEY (agent, state, shard)
);

CREATE FUNCTION job_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s INTEGER := pg_backend_pid() % 64;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO job_counts (agent, state, shard, n) VALUES (OLD.agent, OLD.state, s, -1)
      ON CONFLICT (agent, state, shard) DO UPDATE SET n = job_counts.n - 1;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO job_counts (agent, state, shard, n) VALUES (NEW.agent, NEW.state, s, 1)
      ON CONFLICT (agent, state, shard) DO UPDATE SET n = job_counts.n + 1;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER job_counts_insert_delete AFTER INSERT OR DELETE ON jobs
  FOR EACH ROW EXECUTE FUNCTION job_counts_follow();
CREATE TRIGGER job_counts_update AFTER UPDATE OF state ON jobs
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION job_counts_follow();
