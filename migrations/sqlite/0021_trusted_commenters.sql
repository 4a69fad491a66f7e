-- Commenters a moderator trusts on a site (issue #26): their comments are published at
-- once unless the filter, a signal or a list holds them. A commenter is known by the keyed
-- hash of their email address, never the address.
CREATE TABLE trusted_commenters (
    site_id    INTEGER NOT NULL REFERENCES sites (id),
    email_key  TEXT    NOT NULL,
    trusted_by INTEGER REFERENCES moderators (id) ON DELETE SET NULL,
    trusted_at INTEGER NOT NULL,
    PRIMARY KEY (site_id, email_key)
);
