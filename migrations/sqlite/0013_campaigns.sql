-- The campaign a comment belongs to: the id of the first comment of its wave of
-- near-duplicates (that one points at itself once a second arrives). Only members are in
-- the index.
ALTER TABLE comments ADD COLUMN campaign_id INTEGER;

CREATE INDEX comments_by_campaign ON comments (campaign_id, status)
    WHERE campaign_id IS NOT NULL;
