-- Live events across daemons: each new job event is announced on the
-- channel weshopd_events as "<job id> <daemon>", the daemon being the
-- writer's weshopd.owner setting. Every daemon LISTENs and passes on the
-- events other daemons wrote to its own streams (GET /v1/events, ?wait).
CREATE FUNCTION job_events_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('weshopd_events', NEW.job_id || ' ' || coalesce(current_setting('weshopd.owner', true), ''));
  RETURN NULL;
END $$;

CREATE TRIGGER job_events_announce AFTER INSERT ON job_events
  FOR EACH ROW EXECUTE FUNCTION job_events_announce();
