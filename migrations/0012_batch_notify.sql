-- A batch's end notification (#22): `batch.<state>` to the batch's notify URL
-- when its last item finishes. It is a delivery row like a job's, written in
-- the transaction of the event that finished the batch (that item's event,
-- so it is retried, ordered and kept across restarts the same way), marked
-- with the batch it announces: the notifier then sends the batch, not the job.
ALTER TABLE deliveries ADD COLUMN batch_id TEXT REFERENCES batches(id);
