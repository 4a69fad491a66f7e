-- Moderation policy per site and per article (issue #26): who is published at once, and
-- when an article stops taking comments.
ALTER TABLE sites ADD COLUMN moderation TEXT NOT NULL DEFAULT 'premoderate'
    CHECK (moderation = 'premoderate' OR moderation = 'first-time' OR moderation = 'postmoderate');
ALTER TABLE sites ADD COLUMN trust_after INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sites ADD COLUMN close_after_days INTEGER;
ALTER TABLE sites ADD COLUMN auto_hide_reports INTEGER;
-- NULL: the site's mode.
ALTER TABLE threads ADD COLUMN moderation TEXT
    CHECK (moderation IS NULL OR moderation = 'premoderate' OR moderation = 'first-time'
           OR moderation = 'postmoderate');
-- NULL: open until the site's close_after_days; 1 closed by hand; 0 opened by hand.
ALTER TABLE threads ADD COLUMN closed INTEGER;
-- Why an entry was made when the policy, not a person, decided ("trusted commenter: 3
-- approved").
ALTER TABLE mod_log ADD COLUMN reason TEXT;
