-- A batch's priority (#23), shown with the batch: its items already carry it
-- (each item's is the batch's); batches stored before keep their first item's.
ALTER TABLE batches ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('high', 'normal', 'low'));
UPDATE batches SET priority = coalesce((SELECT j.priority FROM jobs j WHERE j.batch_id = batches.id
                                        ORDER BY j.batch_index LIMIT 1), 'normal');
