-- Moderator dashboard sessions and login throttling.
--
-- Sessions live here, not in a signed cookie, so they can be revoked: signing out, a
-- password change (which ends a moderator's other sessions) and disabling an account take
-- effect at once. Only a SHA-256 of the cookie's token is stored, so a copy of the database
-- does not let anyone sign in.

CREATE TABLE sessions (
    token_hash      TEXT    PRIMARY KEY,
    moderator_id    INTEGER NOT NULL REFERENCES moderators(id),
    -- Sent back in every state-changing form of this session.
    csrf_token      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    -- JSON [{"id": …, "from": "pending"}]: what the last dashboard action changed, for undo.
    undo            TEXT
);

CREATE INDEX sessions_by_moderator ON sessions (moderator_id);

-- One row per failed sign-in, keyed 'account:<name>' and 'ip:<address>'; old rows are
-- deleted as they stop counting.
CREATE TABLE login_failures (
    key     TEXT    NOT NULL,
    at      INTEGER NOT NULL
);

CREATE INDEX login_failures_by_key ON login_failures (key, at);
