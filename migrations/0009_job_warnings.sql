-- Warnings a job was accepted with (issue #19): what the guide is silent on but
-- looks like a mistake, and preset ids that could not be checked. A JSON array,
-- NULL when there are none.
ALTER TABLE jobs ADD COLUMN warnings TEXT;
