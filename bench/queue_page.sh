#!/usr/bin/env bash
# The dashboard's queue page (GET /dashboard, 25 rows by 25 different commenters, each row
# with its commenter's record): the median and mean time of 200 requests, one at a time, by
# curl with a signed-in session.
# Usage: bench/queue_page.sh   (BIN=path/to/replyguard to skip the release build; run it
# with two builds for an A/B)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
service_setup
site=https://news.example
"$bin" --data-dir "$work" site add "$site" --name News >/dev/null 2>&1
printf 'bench password 1\n' | "$bin" --data-dir "$work" moderator add bench >/dev/null 2>&1
(cd "$work" && REPLYGUARD_DATA_DIR="$work" REPLYGUARD_LOG=warn REPLYGUARD_LIMITS=off \
  exec "$bin" --bind 127.0.0.1:0 > "$work/out.log" 2>/dev/null) &
server=$!
until grep -q listening "$work/out.log" 2>/dev/null; do sleep 0.1; done
base=$(sed 's/.*listening on //' "$work/out.log")
for i in $(seq 30); do
  curl -s -o /dev/null "$base/api/v1/comments" -H 'content-type: application/json' \
    -d "{\"thread\":\"$site/a\",\"author\":\"Reader $i\",\"email\":\"r$i@mail.example\",\"body\":\"Comment number $i about the budget.\"}"
done
jar=$work/jar
csrf=$(curl -s -c "$jar" -b "$jar" "$base/dashboard/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//;s/"$//')
curl -s -o /dev/null -c "$jar" -b "$jar" "$base/dashboard/login" \
  --data-urlencode "csrf=$csrf" -d name=bench --data-urlencode 'password=bench password 1'
rows=$(curl -s -b "$jar" "$base/dashboard" | grep -o 'meta record' | wc -l)
[ "$rows" -eq 25 ] || { echo "expected 25 rows with a commenter record, saw $rows" >&2; exit 1; }
for i in $(seq 200); do
  curl -s -o /dev/null -b "$jar" -w '%{time_total}\n' "$base/dashboard"
done | sort -n | awk '{a[NR] = $1; s += $1} END {printf "queue page, 25 rows: median %.2f ms, mean %.2f ms (200 requests)\n", a[int((NR + 1) / 2)] * 1000, s / NR * 1000}'
