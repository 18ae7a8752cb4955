-- A job made by POST /v1/jobs/{id}/retry names the job it retries.
ALTER TABLE jobs ADD COLUMN retry_of TEXT REFERENCES jobs(id);
