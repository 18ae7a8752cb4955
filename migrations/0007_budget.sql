-- Money (#11): what each job costs and the ledger budgets are checked against.
-- images: what the request asks for (batchCount); unit_price: per image, in
-- micro-units of budget.currency; images_actual: succeeded images, once known.
-- budget_window: the budget day the job was admitted in (NULL while held);
-- token_name: the API token it came with; held: waiting for budget (policy hold).
ALTER TABLE jobs ADD COLUMN images INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN unit_price INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN images_actual INTEGER;
ALTER TABLE jobs ADD COLUMN budget_window TEXT;
ALTER TABLE jobs ADD COLUMN token_name TEXT;
ALTER TABLE jobs ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1));
CREATE INDEX jobs_held ON jobs(id) WHERE held = 1;
CREATE INDEX jobs_by_window ON jobs(budget_window) WHERE budget_window IS NOT NULL;

-- What each (window, scope) has committed, kept by the triggers below in the
-- same transaction as the job row, so admission reads an exact figure. A job
-- counts what it may cost until it ends, then what it did: succeeded images;
-- nothing when it failed or was canceled before WeShop had a run (a failure
-- whose submit outcome is unknown keeps counting: it may have been billed).
-- alerted: the highest alert sent for it (80 or 100, in percent).
CREATE TABLE budget_usage (
  budget_window TEXT NOT NULL,
  scope         TEXT NOT NULL,
  used          INTEGER NOT NULL DEFAULT 0,
  alerted       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (budget_window, scope)
) WITHOUT ROWID;

CREATE TRIGGER budget_job_inserted AFTER INSERT ON jobs WHEN NEW.budget_window IS NOT NULL
BEGIN
  INSERT INTO budget_usage (budget_window, scope, used)
    SELECT NEW.budget_window, 'global', (CASE WHEN NEW.held = 1 OR NEW.budget_window IS NULL THEN 0
          WHEN NEW.state = 'succeeded' THEN coalesce(NEW.images_actual, NEW.images) * NEW.unit_price
          WHEN NEW.state = 'failed' AND coalesce(NEW.error_code, '') <> 'submit_outcome_unknown'
            THEN coalesce(NEW.images_actual, 0) * NEW.unit_price
          WHEN NEW.state = 'canceled' AND NEW.execution_id IS NULL THEN 0
          ELSE NEW.images * NEW.unit_price END) WHERE NEW.budget_window IS NOT NULL AND 1
    ON CONFLICT (budget_window, scope) DO UPDATE SET used = used + excluded.used;
  INSERT INTO budget_usage (budget_window, scope, used)
    SELECT NEW.budget_window, 'agent:' || NEW.agent, (CASE WHEN NEW.held = 1 OR NEW.budget_window IS NULL THEN 0
          WHEN NEW.state = 'succeeded' THEN coalesce(NEW.images_actual, NEW.images) * NEW.unit_price
          WHEN NEW.state = 'failed' AND coalesce(NEW.error_code, '') <> 'submit_outcome_unknown'
            THEN coalesce(NEW.images_actual, 0) * NEW.unit_price
          WHEN NEW.state = 'canceled' AND NEW.execution_id IS NULL THEN 0
          ELSE NEW.images * NEW.unit_price END) WHERE NEW.budget_window IS NOT NULL AND 1
    ON CONFLICT (budget_window, scope) DO UPDATE SET used = used + excluded.used;
  INSERT INTO budget_usage (budget_window, scope, used)
    SELECT NEW.budget_window, 'token:' || NEW.token_name, (CASE WHEN NEW.held = 1 OR NEW.budget_window IS NULL THEN 0
          WHEN NEW.state = 'succeeded' THEN coalesce(NEW.images_actual, NEW.images) * NEW.unit_price
          WHEN NEW.state = 'failed' AND coalesce(NEW.error_code, '') <> 'submit_outcome_unknown'
            THEN coalesce(NEW.images_actual, 0) * NEW.unit_price
          WHEN NEW.state = 'canceled' AND NEW.execution_id IS NULL THEN 0
          ELSE NEW.images * NEW.unit_price END) WHERE NEW.budget_window IS NOT NULL AND NEW.token_name IS NOT NULL
    ON CONFLICT (budget_window, scope) DO UPDATE SET used = used + excluded.used;
END;

-- Only when what the job counts, or where, changes (most transitions do not).
CREATE TRIGGER budget_job_changed
AFTER UPDATE OF state, held, budget_window, images_actual, execution_id, error_code ON jobs
WHEN OLD.budget_window IS NOT NEW.budget_window OR OLD.held <> NEW.held OR OLD.state <> NEW.state
  OR OLD.images_actual IS NOT NEW.images_actual
BEGIN
  INSERT INTO budget_usage (budget_window, scope, used)
    SELECT OLD.budget_window, 'global', -(CASE WHEN OLD.held = 1 OR OLD.budget_window IS NULL THEN 0
          WHEN OLD.state = 'succeeded' THEN coalesce(OLD.images_actual, OLD.images) * OLD.unit_price
          WHEN OLD.state = 'failed' AND coalesce(OLD.error_code, '') <> 'submit_outcome_unknown'
            THEN coalesce(OLD.images_actual, 0) * OLD.unit_price
          WHEN OLD.state = 'canceled' AND OLD.execution_id IS NULL THEN 0
          ELSE OLD.images * OLD.unit_price END) WHERE OLD.budget_window IS NOT NULL AND 1
    ON CONFLICT (budget_window, scope) DO UPDATE SET used = used + excluded.used;
  INSERT INTO budget_usage (budget_window, scope, used)
    SELECT OLD.budget_window, 'agent:' || OLD.agent, -(CASE WHEN OLD.held = 1 OR OLD.budget_window IS NULL THEN 0
          WHEN OLD.state = 'succeeded' THEN coalesce(OLD.images_actual, OLD.images) * OLD.unit_price
          WHEN OLD.state = 'failed' AND coalesce(OLD.error_code, '') <> 'submit_outcome_unknown'
            THEN coalesce(OLD.images_actual, 0) * OLD.unit_price
          WHEN OLD.state = 'canceled' AND OLD.execution_id IS NULL THEN 0
          ELSE OLD.images * OLD.unit_price END) WHERE OLD.budget_window IS NOT NULL AND 1
    ON CONFLICT (budget_window, scope) DO UPDATE SET used = used + excluded.used;
  INSERT INTO budget_usage (budget_window, scope, used)
    SELECT OLD.budget_window, 'token:' || OLD.token_name, -(CASE WHEN OLD.held = 1 OR OLD.budget_window IS NULL THEN 0
          WHEN OLD.state = 'succeeded' THEN coalesce(OLD.images_actual, OLD.images) * OLD.unit_price
          WHEN OLD.state = 'failed' AND coalesce(OLD.error_code, '') <> 'submit_outcome_unknown'
            THEN coalesce(OLD.images_actual, 0) * OLD.unit_price
          WHEN OLD.state = 'canceled' AND OLD.execution_id IS NULL THEN 0
          ELSE OLD.images * OLD.unit_price END) WHERE OLD.budget_window IS NOT NULL AND OLD.token_name IS NOT NULL
    ON CONFLICT (budget_window, scope) DO UPDATE SET used = used + excluded.used;
  INSERT INTO budget_usage (budget_window, scope, used)
    SELECT NEW.budget_window, 'global', (CASE WHEN NEW.held = 1 OR NEW.budget_window IS NULL THEN 0
          WHEN NEW.state = 'succeeded' THEN coalesce(NEW.images_actual, NEW.images) * NEW.unit_price
          WHEN NEW.state = 'failed' AND coalesce(NEW.error_code, '') <> 'submit_outcome_unknown'
            THEN coalesce(NEW.images_actual, 0) * NEW.unit_price
          WHEN NEW.state = 'canceled' AND NEW.execution_id IS NULL THEN 0
          ELSE NEW.images * NEW.unit_price END) WHERE NEW.budget_window IS NOT NULL AND 1
    ON CONFLICT (budget_window, scope) DO UPDATE SET used = used + excluded.used;
  INSERT INTO budget_usage (budget_window, scope, used)
    SELECT NEW.budget_window, 'agent:' || NEW.agent, (CASE WHEN NEW.held = 1 OR NEW.budget_window IS NULL THEN 0
          WHEN NEW.state = 'succeeded' THEN coalesce(NEW.images_actual, NEW.images) * NEW.unit_price
          WHEN NEW.state = 'failed' AND coalesce(NEW.error_code, '') <> 'submit_outcome_unknown'
            THEN coalesce(NEW.images_actual, 0) * NEW.unit_price
          WHEN NEW.state = 'canceled' AND NEW.execution_id IS NULL THEN 0
          ELSE NEW.images * NEW.unit_price END) WHERE NEW.budget_window IS NOT NULL AND 1
    ON CONFLICT (budget_window, scope) DO UPDATE SET used = used + excluded.used;
  INSERT INTO budget_usage (budget_window, scope, used)
    SELECT NEW.budget_window, 'token:' || NEW.token_name, (CASE WHEN NEW.held = 1 OR NEW.budget_window IS NULL THEN 0
          WHEN NEW.state = 'succeeded' THEN coalesce(NEW.images_actual, NEW.images) * NEW.unit_price
          WHEN NEW.state = 'failed' AND coalesce(NEW.error_code, '') <> 'submit_outcome_unknown'
            THEN coalesce(NEW.images_actual, 0) * NEW.unit_price
          WHEN NEW.state = 'canceled' AND NEW.execution_id IS NULL THEN 0
          ELSE NEW.images * NEW.unit_price END) WHERE NEW.budget_window IS NOT NULL AND NEW.token_name IS NOT NULL
    ON CONFLICT (budget_window, scope) DO UPDATE SET used = used + excluded.used;
END;
