-- The spam filter's verdict on each comment, kept with the comment so moderators see why it
-- was scored as it was, and so a score can be traced to the model that gave it after that
-- model is replaced.

-- ln P(spam) - ln P(ham): orders comments even where spam_score (a probability) saturates.
ALTER TABLE comments ADD COLUMN spam_log_odds REAL;
-- JSON array of {"signal", "towards", "weight"}: the strongest signals each way.
ALTER TABLE comments ADD COLUMN spam_reasons TEXT;
-- The version of the model that scored the comment.
ALTER TABLE comments ADD COLUMN model_version TEXT;

-- The moderation queue is worked in spam-score order.
CREATE INDEX comments_by_status_score ON comments (status, spam_log_odds, id);
