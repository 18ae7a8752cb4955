-- Result mirroring (results.mirror): which succeeded jobs still need their
-- images copied, and the copies kept, by job and result index.
ALTER TABLE jobs ADD COLUMN mirror TEXT; -- NULL (not mirrored), pending, done, failed, expired
CREATE INDEX jobs_mirror_pending ON jobs(id) WHERE mirror = 'pending';

CREATE TABLE result_files (
  job_id       TEXT NOT NULL REFERENCES jobs(id),
  n            INTEGER NOT NULL,   -- index in the job's results
  path         TEXT NOT NULL,      -- the copy on disk
  sha256       TEXT NOT NULL,
  bytes        INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  stored_at    INTEGER NOT NULL,   -- unix ms
  PRIMARY KEY (job_id, n)
) WITHOUT ROWID;
CREATE INDEX result_files_by_age ON result_files(stored_at);
