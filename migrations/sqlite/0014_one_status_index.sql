-- The queue's two indexes by status become one. `comments_by_status_score` put every new
-- comment at a random place among the pending ones (by its score), so each submission
-- wrote a leaf page of its own to the WAL: about a fifth of the writer's time per
-- comment under a flood (BENCHMARKS.md). Ordered by id, the new index takes every new
-- comment at its end, and carrying the score lets the queue's score orders read it alone
-- (a scan of one status's entries and a top-N sort) without visiting the table.
DROP INDEX IF EXISTS comments_by_status_score;
DROP INDEX IF EXISTS comments_by_status;

CREATE INDEX comments_by_status ON comments (status, id, spam_log_odds);
