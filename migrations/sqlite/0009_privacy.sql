-- A commenter's address is kept as a keyed hash (to see that comments share a sender)
-- plus its /24 or /48 network in `client_ip`, never whole, and both are cleared with the
-- user agent and referrer once the retention period ends.
ALTER TABLE comments ADD COLUMN client_ip_hash TEXT;

-- The retention purge looks for rows by age.
CREATE INDEX comments_by_created_at ON comments (created_at);
