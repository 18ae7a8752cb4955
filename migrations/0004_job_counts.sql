-- How many jobs are in each (agent, state), kept exact by triggers in the same
-- transaction as the change: /metrics reads a handful of rows instead of
-- counting a table of millions.
CREATE TABLE job_counts (
  agent TEXT NOT NULL,
  state TEXT NOT NULL,
  n     INTEGER NOT NULL,
  PRIMARY KEY (agent, state)
) WITHOUT ROWID;

INSERT INTO job_counts (agent, state, n) SELECT agent, state, count(*) FROM jobs GROUP BY agent, state;

CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs BEGIN
  INSERT INTO job_counts (agent, state, n) VALUES (NEW.agent, NEW.state, 1)
    ON CONFLICT (agent, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER job_counts_update AFTER UPDATE OF state ON jobs WHEN OLD.state <> NEW.state BEGIN
  UPDATE job_counts SET n = n - 1 WHERE agent = OLD.agent AND state = OLD.state;
  INSERT INTO job_counts (agent, state, n) VALUES (NEW.agent, NEW.state, 1)
    ON CONFLICT (agent, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs BEGIN
  UPDATE job_counts SET n = n - 1 WHERE agent = OLD.agent AND state = OLD.state;
END;
