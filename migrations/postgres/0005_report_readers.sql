-- Reader reports (issue #26): the reader is also known by a keyed hash of the token the
-- widget keeps in the browser (no cookie), so a reader whose address changes still reports
-- a comment once. NULL for reports sent without one; unique where present.
ALTER TABLE reports ADD COLUMN reader TEXT;
CREATE UNIQUE INDEX reports_by_reader ON reports (comment_id, reader);
