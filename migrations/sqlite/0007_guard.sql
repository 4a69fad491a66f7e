-- What a submission showed besides its text (bot signals, links, block and hold list
-- matches), as a JSON array of phrases; NULL when nothing was noticed. Kept apart from
-- spam_reasons, which re-scoring replaces.
ALTER TABLE comments ADD COLUMN signals TEXT;

-- The moderators' block and hold lists. `pattern` is what is compared (an email rule holds
-- the keyed hash of the address, never the address); `shown` is what the dashboard lists.
CREATE TABLE guard_rules (
    id          INTEGER PRIMARY KEY,
    list        TEXT    NOT NULL CHECK (list IN ('block', 'hold')),
    kind        TEXT    NOT NULL CHECK (kind IN ('word', 'email', 'domain', 'host', 'network')),
    pattern     TEXT    NOT NULL,
    shown       TEXT    NOT NULL,
    created_by  INTEGER REFERENCES moderators (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (list, kind, pattern)
);
