-- Callback tokens, the latest event per job (for live streams), and local
-- webhook notifications (deliveries are rows, so they survive restarts).

-- SHA-256 (hex) of the job's current callback token; the token itself is never stored.
ALTER TABLE jobs ADD COLUMN callback_token_hash TEXT;
-- Id of the job's latest job_events row, kept in the same transaction.
ALTER TABLE jobs ADD COLUMN last_event_id INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET last_event_id = COALESCE((SELECT MAX(e.id) FROM job_events e WHERE e.job_id = jobs.id), 0);
-- Where to POST the job on changes (a local webhook), and whether on every transition.
ALTER TABLE jobs ADD COLUMN notify_url TEXT;
ALTER TABLE jobs ADD COLUMN notify_all INTEGER NOT NULL DEFAULT 0;

-- One row per (event, url) to deliver; written with the event, so at least once.
CREATE TABLE deliveries (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id           TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  event_id         INTEGER NOT NULL REFERENCES job_events(id) ON DELETE CASCADE,
  url              TEXT NOT NULL,
  state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','delivered','failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,                   -- NULL once delivered or given up
  last_status      INTEGER,                   -- HTTP status of the last attempt
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  delivered_at     INTEGER
) STRICT;

CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_by_job ON deliveries(job_id, id);
