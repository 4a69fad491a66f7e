-- How each moderator hears about new comments: `off`, an email per comment (`each`), or a
-- digest of what arrived since the last one (`digest`), at `email`.
ALTER TABLE moderators ADD COLUMN email TEXT;
ALTER TABLE moderators ADD COLUMN notify TEXT NOT NULL DEFAULT 'off'
    CHECK (notify IN ('off', 'each', 'digest'));
ALTER TABLE moderators ADD COLUMN digest_sent_at INTEGER;
