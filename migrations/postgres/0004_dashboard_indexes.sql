-- The dashboard's "failed in the last hour": by state and finish time, without a scan.
CREATE INDEX jobs_finished ON jobs(state, finished_at) WHERE finished_at IS NOT NULL;
-- The dashboard shows an uploaded input again: from WeShop's URL back to its content.
CREATE INDEX uploads_by_url ON uploads(url);
