-- Sites whose moderator labels the operator promoted into the shared base model
-- (`replyguard model promote --site ORIGIN`, issue #27): no other site's labels change it.
ALTER TABLE sites ADD COLUMN promoted INTEGER NOT NULL DEFAULT 0;
