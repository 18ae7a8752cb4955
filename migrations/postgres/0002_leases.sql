-- Several daemons, one queue. Each unfinished job is driven by the daemon
-- that claimed it; a daemon's claims hold while its own lease (one row here,
-- renewed by a heartbeat) has not run out. A daemon that stops cleanly
-- deletes its row; one that dies lets its lease run out. Either way its jobs
-- can then be claimed by another (SELECT ... FOR UPDATE SKIP LOCKED).
ALTER TABLE jobs ADD COLUMN claimed_by TEXT;

CREATE TABLE daemons (
  owner       TEXT PRIMARY KEY,   -- host, pid and a random part: new at every start
  lease_until BIGINT NOT NULL,    -- unix ms
  started_at  BIGINT NOT NULL
);
