-- What instances sharing one database must also share (issue #25), so N instances enforce
-- the configured limits rather than N times them: claims that expire (used form tokens,
-- the duplicate window) and the submission limits' token buckets. UNLOGGED: not written
-- to the WAL, and emptied after a server crash, which only forgets recent limits. Keys
-- are keyed hashes or random nonces, never an address or an email.
CREATE UNLOGGED TABLE claims (
    kind    TEXT    NOT NULL,
    key     TEXT    NOT NULL,
    until   BIGINT  NOT NULL,
    PRIMARY KEY (kind, key)
);

CREATE UNLOGGED TABLE limit_buckets (
    key     TEXT             PRIMARY KEY,
    tokens  DOUBLE PRECISION NOT NULL,
    updated BIGINT           NOT NULL,
    last    BIGINT           NOT NULL
);

-- Akismet calls per site and month, as usage-limit and key-sites report them.
CREATE TABLE akismet_usage (
    site_id         BIGINT  NOT NULL REFERENCES sites (id),
    month           TEXT    NOT NULL,
    api_calls       BIGINT  NOT NULL DEFAULT 0,
    spam            BIGINT  NOT NULL DEFAULT 0,
    ham             BIGINT  NOT NULL DEFAULT 0,
    missed_spam     BIGINT  NOT NULL DEFAULT 0,
    false_positives BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, month)
);
