-- A version number per thread, raised whenever what the public sees of the thread changes
-- (a comment approved or withdrawn, an approved reply re-parented by an import). Readers
-- compare it with the version of a listing they rendered before and reuse that rendering
-- while it matches: the public listing is read far more often than it changes.

ALTER TABLE threads ADD COLUMN public_version INTEGER NOT NULL DEFAULT 0;
