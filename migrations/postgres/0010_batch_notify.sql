-- A batch's end notification (#22): the same schema and meaning as SQLite's
-- 0012_batch_notify.sql (see there).
ALTER TABLE deliveries ADD COLUMN batch_id TEXT REFERENCES batches(id);
