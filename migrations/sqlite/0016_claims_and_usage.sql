-- Claims that expire (issue #25): a used form token is kept until the token itself
-- expires, across restarts, so it cannot be replayed after one. Keys are hashes or
-- random nonces, never an address or an email.
CREATE TABLE claims (
    kind    TEXT    NOT NULL,
    key     TEXT    NOT NULL,
    until   INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;

-- Akismet calls per site and month, as usage-limit and key-sites report them: kept in the
-- database so a restart does not reset a site's month.
CREATE TABLE akismet_usage (
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    month           TEXT    NOT NULL,
    api_calls       INTEGER NOT NULL DEFAULT 0,
    spam            INTEGER NOT NULL DEFAULT 0,
    ham             INTEGER NOT NULL DEFAULT 0,
    missed_spam     INTEGER NOT NULL DEFAULT 0,
    false_positives INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, month)
);
