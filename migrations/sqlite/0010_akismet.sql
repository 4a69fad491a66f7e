-- Akismet-compatible API keys, one per site. The key itself is derived from the service's
-- secret, the origin and `key_generation` (so `site key ORIGIN` can print it again); only
-- its SHA-256 is stored, for the lookup. Rotating bumps the generation.
ALTER TABLE sites ADD COLUMN api_key_hash TEXT;
ALTER TABLE sites ADD COLUMN key_generation INTEGER NOT NULL DEFAULT 0;
-- Whether a comment-check also files the comment in the moderation queue (off: the site's
-- own app keeps its queue and only asks for a verdict).
ALTER TABLE sites ADD COLUMN store_checked INTEGER NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX sites_by_api_key ON sites (api_key_hash) WHERE api_key_hash IS NOT NULL;
