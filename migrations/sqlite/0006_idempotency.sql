-- A client's `Idempotency-Key`, scoped to the article and the commenter (a hash of the three),
-- so a retried submission returns the comment it already created instead of a second one.
-- Only submissions that send the header carry one: the index costs nothing for the others.

ALTER TABLE comments ADD COLUMN idempotency_key TEXT;

CREATE UNIQUE INDEX comments_by_idempotency_key ON comments (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
