-- Priorities (#23): a job's place within its token's share of the submit
-- queue. Text, as the API spells it; existing jobs are normal.
ALTER TABLE jobs ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('high', 'normal', 'low'));
