-- Training labels: what moderators (or imports, or Akismet feedback) said a comment is.
--
-- One current label per comment: a reversed decision replaces the earlier label, so a
-- retrained model unlearns it exactly (models are rebuilt from the base model plus the
-- current labels). The filter's own automatic verdicts never become labels: spammers must
-- not be able to teach the filter through it.

CREATE TABLE labels (
    comment_id      INTEGER PRIMARY KEY REFERENCES comments(id),
    label           TEXT    NOT NULL CHECK (label IN ('ham', 'spam')),
    source          TEXT    NOT NULL CHECK (source IN ('moderator', 'akismet', 'import')),
    -- Who decided, for moderator labels.
    moderator_id    INTEGER REFERENCES moderators(id),
    -- The model in use and its score at decision time: how often moderators overrule it.
    model_version   TEXT,
    spam_score      REAL,
    labelled_at     INTEGER NOT NULL
);

-- The guard holds out the most recent labels.
CREATE INDEX labels_by_time ON labels (labelled_at, comment_id);

-- Where an imported comment came from (e.g. 'wordpress:https://news.example:123'), so a
-- second import of the same export adds nothing.
ALTER TABLE comments ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX comments_by_import_key ON comments (import_key) WHERE import_key IS NOT NULL;
