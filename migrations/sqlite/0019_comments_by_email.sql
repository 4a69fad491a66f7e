-- A commenter's record is read by email (any case) on every submission to a `first-time`
-- site, inside the writer's unit of work: without this index that read scanned every
-- comment. PostgreSQL has had `comments_by_email ON comments (lower(email))` from the start.
CREATE INDEX comments_by_email ON comments (email COLLATE NOCASE);
