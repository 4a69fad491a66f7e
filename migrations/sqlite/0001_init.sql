-- Replyguard's first schema.
--
-- Sites own threads (one thread per article URL), threads own comments, moderators act on
-- comments, and every action is appended to mod_log. Times are unix milliseconds (UTC).
-- Statuses are checked here as well as in the code, so a bug cannot store a status that the
-- public listing would misread.

CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    -- scheme://host[:port]; the unit comment forms are accepted and redirected for.
    origin      TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE threads (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    -- The article URL without fragment, as normalised by domain::ThreadUrl.
    url         TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE comments (
    id                  INTEGER PRIMARY KEY,
    thread_id           INTEGER NOT NULL REFERENCES threads(id),
    parent_id           INTEGER REFERENCES comments(id),
    author              TEXT    NOT NULL,
    -- Shown to moderators only; never selected by a public query.
    email               TEXT    NOT NULL,
    website             TEXT,
    body                TEXT    NOT NULL,
    status              TEXT    NOT NULL
                        CHECK (status IN ('pending', 'approved', 'rejected', 'spam')),
    -- What the comment was before it was marked spam, so "not spam" restores it exactly.
    status_before_spam  TEXT
                        CHECK (status_before_spam IN ('pending', 'approved', 'rejected')),
    created_at          INTEGER NOT NULL,
    -- As seen by the server after trusted-proxy handling; for moderators and rate limits.
    client_ip           TEXT,
    user_agent          TEXT,
    referrer            TEXT,
    -- P(spam) from the filter; NULL when the comment was not scored.
    spam_score          REAL
);

-- The public listing reads one thread's approved comments in id order.
CREATE INDEX comments_by_thread_status ON comments (thread_id, status, id);
-- Moderation listings page through one status, newest first.
CREATE INDEX comments_by_status ON comments (status, id);

CREATE TABLE moderators (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    -- argon2id PHC string.
    password_hash   TEXT    NOT NULL,
    is_admin        INTEGER NOT NULL DEFAULT 0,
    is_disabled     INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);

-- One append-only table for every action, Lemmy-style: who (NULL moderator = the spam
-- filter), when, and the status it went from and to.
CREATE TABLE mod_log (
    id              INTEGER PRIMARY KEY,
    comment_id      INTEGER NOT NULL REFERENCES comments(id),
    moderator_id    INTEGER REFERENCES moderators(id),
    action          TEXT    NOT NULL,
    from_status     TEXT    NOT NULL,
    to_status       TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);

CREATE INDEX mod_log_by_comment ON mod_log (comment_id, id);

CREATE TRIGGER mod_log_is_append_only_update BEFORE UPDATE ON mod_log
BEGIN
    SELECT RAISE(ABORT, 'mod_log is append-only');
END;

CREATE TRIGGER mod_log_is_append_only_delete BEFORE DELETE ON mod_log
BEGIN
    SELECT RAISE(ABORT, 'mod_log is append-only');
END;
