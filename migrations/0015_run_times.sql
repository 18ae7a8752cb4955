-- Learned run times (#24): per agent@version[/generateVersion], a decayed
-- histogram of how long its runs took (engine/run_time_estimate.hpp's text
-- form), so a restart keeps what polling learned.
CREATE TABLE run_times (
  key TEXT PRIMARY KEY,
  histogram TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

-- When a running job is expected to end (its run's start + the p50 of its
-- kind), shown while it runs; NULL when nothing was learned yet.
ALTER TABLE jobs ADD COLUMN expected_finish_at INTEGER;
