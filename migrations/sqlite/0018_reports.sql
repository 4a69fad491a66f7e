-- Reader reports (issue #26): one per reader per comment, the reader known by a keyed hash
-- of their address (never the address); the email, when given, is for moderators only.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments (id),
    reason      TEXT    NOT NULL
        CHECK (reason = 'spam' OR reason = 'abuse' OR reason = 'off_topic'
               OR reason = 'illegal' OR reason = 'other'),
    explanation TEXT,
    email       TEXT,
    reporter    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (comment_id, reporter)
);
