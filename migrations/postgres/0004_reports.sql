-- Reader reports (issue #26): one per reader per comment, the reader known by a keyed hash
-- of their address (never the address); the email, when given, is for moderators only.
CREATE TABLE reports (
    id          BIGSERIAL PRIMARY KEY,
    comment_id  BIGINT  NOT NULL REFERENCES comments (id),
    reason      TEXT    NOT NULL
        CHECK (reason IN ('spam', 'abuse', 'off_topic', 'illegal', 'other')),
    explanation TEXT,
    email       TEXT,
    reporter    TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    UNIQUE (comment_id, reporter)
);
