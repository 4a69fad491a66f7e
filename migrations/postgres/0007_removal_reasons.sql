-- The removal reasons a site keeps (issue #26), one per line; NULL: the defaults (spam,
-- abuse, off topic, illegal content, personal data, other).
ALTER TABLE sites ADD COLUMN removal_reasons TEXT;
