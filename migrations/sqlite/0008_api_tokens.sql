-- Per-moderator API tokens (`Authorization: Bearer …`) for scripts and integrations: a
-- long random secret checked by one indexed lookup of its SHA-256, instead of argon2 on
-- every call. Only the hash is stored; revoking deletes the row.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    moderator_id  INTEGER NOT NULL REFERENCES moderators (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);

CREATE INDEX api_tokens_by_moderator ON api_tokens (moderator_id);
