-- Money (#11): what each job costs and the ledger budgets are checked against
-- (the same schema as SQLite's 0007_budget.sql; see there).
ALTER TABLE jobs ADD COLUMN images BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN unit_price BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN images_actual BIGINT;
ALTER TABLE jobs ADD COLUMN budget_window TEXT;
ALTER TABLE jobs ADD COLUMN token_name TEXT;
ALTER TABLE jobs ADD COLUMN held BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX jobs_held ON jobs(id) WHERE held;
CREATE INDEX jobs_by_window ON jobs(budget_window) WHERE budget_window IS NOT NULL;

CREATE TABLE budget_usage (
  budget_window TEXT NOT NULL,
  scope         TEXT NOT NULL,
  used          BIGINT NOT NULL DEFAULT 0,
  alerted       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (budget_window, scope)
);

-- What a job counts against its window: what it may cost until it ends, then
-- what it did (see 0007_budget.sql of SQLite for the rules).
CREATE FUNCTION job_budget_cost(j jobs) RETURNS BIGINT LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN j.held OR j.budget_window IS NULL THEN 0
              WHEN j.state = 'succeeded' THEN coalesce(j.images_actual, j.images) * j.unit_price
              WHEN j.state = 'failed' AND coalesce(j.error_code, '') <> 'submit_outcome_unknown'
                THEN coalesce(j.images_actual, 0) * j.unit_price
              WHEN j.state = 'canceled' AND j.execution_id IS NULL THEN 0
              ELSE j.images * j.unit_price END
$$;

-- Always in the order global, agent, token: admissions lock the same rows in
-- the same order, so two transactions never wait on each other in a circle.
CREATE FUNCTION budget_add(w TEXT, agent TEXT, token TEXT, amount BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF w IS NULL OR amount = 0 THEN
    RETURN;
  END IF;
  INSERT INTO budget_usage (budget_window, scope, used) VALUES (w, 'global', amount)
    ON CONFLICT (budget_window, scope) DO UPDATE SET used = budget_usage.used + amount;
  INSERT INTO budget_usage (budget_window, scope, used) VALUES (w, 'agent:' || agent, amount)
    ON CONFLICT (budget_window, scope) DO UPDATE SET used = budget_usage.used + amount;
  IF token IS NOT NULL THEN
    INSERT INTO budget_usage (budget_window, scope, used) VALUES (w, 'token:' || token, amount)
      ON CONFLICT (budget_window, scope) DO UPDATE SET used = budget_usage.used + amount;
  END IF;
END $$;

CREATE FUNCTION budget_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    PERFORM budget_add(OLD.budget_window, OLD.agent, OLD.token_name, -job_budget_cost(OLD));
  END IF;
  PERFORM budget_add(NEW.budget_window, NEW.agent, NEW.token_name, job_budget_cost(NEW));
  RETURN NULL;
END $$;

CREATE TRIGGER budget_job_inserted AFTER INSERT ON jobs
  FOR EACH ROW WHEN (NEW.budget_window IS NOT NULL) EXECUTE FUNCTION budget_follow();
CREATE TRIGGER budget_job_changed AFTER UPDATE ON jobs
  FOR EACH ROW WHEN (job_budget_cost(OLD) IS DISTINCT FROM job_budget_cost(NEW)
                     OR OLD.budget_window IS DISTINCT FROM NEW.budget_window)
  EXECUTE FUNCTION budget_follow();
