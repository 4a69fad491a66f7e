-- Readers told of replies by email (issue #28). A subscription is one address on one site,
-- known by the keyed hash of the address (never the address: it is read from the watched
-- comment when an email goes out), unconfirmed until its owner follows the link of the
-- confirmation email. A watch is one comment whose replies its author asked to hear about.
CREATE TABLE reply_subscriptions (
    id                   INTEGER PRIMARY KEY,
    site_id              INTEGER NOT NULL REFERENCES sites (id),
    email_key            TEXT    NOT NULL,
    lang                 TEXT    NOT NULL DEFAULT 'en',
    created_at           INTEGER NOT NULL,
    confirmation_sent_at INTEGER NOT NULL,
    confirmed_at         INTEGER,
    UNIQUE (site_id, email_key)
);
CREATE INDEX reply_subscriptions_by_email ON reply_subscriptions (email_key);

CREATE TABLE reply_watches (
    comment_id      INTEGER PRIMARY KEY REFERENCES comments (id),
    subscription_id INTEGER NOT NULL REFERENCES reply_subscriptions (id)
);
CREATE INDEX reply_watches_by_subscription ON reply_watches (subscription_id);
