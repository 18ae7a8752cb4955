-- Token scopes: an Idempotency-Key belongs to the API token that used it, so two
-- tokens may use the same key for different jobs. Jobs without a token (no
-- api.token_file) share the '' scope. The old keys were unique on their own,
-- so they are unique per token too: existing databases migrate without conflict.
-- The insert's ON CONFLICT names exactly this expression and predicate.
DROP INDEX jobs_idempotency_key;
CREATE UNIQUE INDEX jobs_idempotency_key_per_token ON jobs((coalesce(token_name, '')), idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- A token's own jobs, newest first (GET /v1/jobs for a scoped token, keyset paging).
CREATE INDEX jobs_by_token ON jobs(token_name, id);
