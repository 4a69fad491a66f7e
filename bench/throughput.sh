#!/usr/bin/env bash
# The write path and the public listing under load (issue #8's table). A release build is
# driven by wrk (32 connections, 2 threads) on this machine:
#   1. JSON submissions: distinct comments, each validated, scored and committed with
#      synchronous=FULL before its 202;
#   2. the same through the HTML form (303);
#   3. the public listing of one article with 200 approved comments (replies nested);
#   4. 1 and 2 again with PREFILL comments already stored (default 1,000,000);
#   5. the dashboard queue page with 100,000 pending comments (median of 7, curl);
# and the service's peak resident memory (VmHWM) over 1–4.
# Usage: bench/throughput.sh [DURATION_SECONDS=10] [PREFILL=1000000]
# Needs wrk, sqlite3, curl (apt-get install wrk sqlite3 curl). Peer: bench/isso.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
duration=${1:-10}
prefill=${2:-1000000}
service_setup

peak_kb=0
note_peak() {
  local kb
  kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  if [ "$kb" -gt "$peak_kb" ]; then peak_kb=$kb; fi
}

# posting KIND: the file of a wrk script posting distinct comments as json or form to $base.
posting() {
  post_script "$work/post-$1.lua" "$base" "$1"
  echo "$work/post-$1.lua"
}

# measure LABEL WRK_ARGS...: one row of the table.
measure() {
  local label=$1
  shift
  wrk_measure "$@"
  printf '| %-62s | %8s/s | %8s | %6s µs | %s |\n' "$label" "$rps" "$p99" "$cpu_us" "$bad errors${socket_errors:+; $socket_errors}"
  note_peak
}

# The CPU column is the service's own CPU time per request (user and system, all threads)
# over the measured run: it tells a slower run on a busy VM from a costlier code path.
echo "| what | throughput | p99 | service CPU per request | failures |"
echo "| --- | --- | --- | --- | --- |"

# 1–3 on an empty database.
empty="$work/empty"
mkdir -p "$empty"
serve "$empty"
measure "JSON submissions, empty database" -s "$(posting json)" "$base"
measure "form submissions (303), empty database" -s "$(posting form)" "$base"
article="$base/listing"
for i in $(seq 1 200); do
  parent=null
  if [ $((i % 3)) -eq 0 ]; then parent=$((i - 1)); fi
  curl -s -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"thread\":\"$article\",\"author\":\"Reader $i\",\"email\":\"r$i@example.com\",\"body\":\"Comment $i on the council vote, the bus route and the library hours.\"}" \
    "$base/api/v1/comments"
done
stop
# Approve them as a moderator's decisions would (status and the thread's public version),
# and nest every third as a reply to the one before.
sqlite3 "$empty/data/replyguard.sqlite3" <<SQL
UPDATE comments SET status = 'approved'
 WHERE thread_id = (SELECT id FROM threads WHERE url = '$article');
UPDATE comments SET parent_id = id - 1
 WHERE thread_id = (SELECT id FROM threads WHERE url = '$article') AND id % 3 = 0;
UPDATE threads SET public_version = public_version + 1 WHERE url = '$article';
SQL
serve "$empty"
count=$(curl -s "$base/api/v1/comments?thread=$article" | grep -o '"count":[0-9]*')
measure "public listing of 200 approved comments ($count)" "$base/api/v1/comments?thread=$article"
stop

# 4: the same submissions with PREFILL comments stored (written straight into the file).
full="$work/full"
mkdir -p "$full"
(cd "$full" && "$bin" migrate > /dev/null)
prefill_comments "$full/data/replyguard.sqlite3" "$prefill"
serve "$full"
stored=$(sqlite3 "$full/data/replyguard.sqlite3" 'SELECT COUNT(*) FROM comments')
measure "JSON submissions, $stored comments stored" -s "$(posting json)" "$base"
measure "form submissions (303), $stored comments stored" -s "$(posting form)" "$base"
stop
echo
echo "peak resident memory of the service over the runs above: $((peak_kb / 1024)) MB"

# 5: the dashboard queue with 100,000 pending.
queue="$work/queue"
mkdir -p "$queue"
(cd "$queue" && "$bin" migrate > /dev/null && printf 'bench password 1\n' | "$bin" moderator add bench > /dev/null 2>&1)
sqlite3 "$queue/data/replyguard.sqlite3" <<SQL
INSERT INTO sites (origin, name, created_at) VALUES ('http://old.example', 'old', 0);
WITH RECURSIVE t(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM t WHERE i < 200)
INSERT INTO threads (site_id, url, created_at) SELECT 1, 'http://old.example/post-' || i, 0 FROM t;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
INSERT INTO comments (thread_id, author, email, body, status, created_at, spam_score,
                      spam_log_odds, spam_reasons, model_version)
SELECT 1 + i % 200, 'Reader ' || (i % 5000), 'r' || (i % 5000) || '@mail.example',
       'Pending comment ' || i || ' about the festival, the mayor and the road tax.', 'pending',
       1700000000000 + i * 1000, (i % 997) / 997.0, ((i % 997) - 498) / 50.0,
       '[{"feature":"word \"festival\"","weight":-0.4}]', 'bench'
FROM c;
SQL
serve "$queue"
jar="$work/jar"
csrf=$(curl -s -c "$jar" "$base/dashboard/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | sed 's/.*value="//;s/"//')
curl -s -b "$jar" -c "$jar" -o /dev/null -d "csrf=$csrf&name=bench&password=bench+password+1" "$base/dashboard/login"
echo
echo "| dashboard page, 100,000 pending | median of 7 |"
echo "| --- | --- |"
for page in "/dashboard" "/dashboard?order=uncertain" "/dashboard?order=newest&page=2000" "/dashboard?q=festival+mayor"; do
  status=$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' "$base$page")
  median=$(for _ in 1 2 3 4 5 6 7; do curl -s -b "$jar" -o /dev/null -w '%{time_total}\n' "$base$page"; done | sort -n | sed -n 4p)
  printf '| %s (%s) | %.1f ms |\n' "$page" "$status" "$(echo "$median * 1000" | bc -l)"
done
stop
