#!/usr/bin/env bash
# Akismet's comment-check under load (issue #10: answer well under the 1-second timeout
# real clients use). A release build, a registered site and its key; wrk posts distinct
# form-encoded comment-checks as Akismet's clients do (32 connections, 2 threads), first with
# the default (answer only), then with the site filing each checked comment in the queue.
# Usage: bench/akismet.sh [DURATION_SECONDS=10]   (needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
duration=${1:-10}
service_setup
export REPLYGUARD_DATA_DIR="$work/data"
"$bin" site add https://news.example >/dev/null 2>&1
key=$("$bin" site key https://news.example)
serve "$work"
cat > "$work/check.lua" <<LUA
local n = 0
request = function()
  n = n + 1
  local body = string.format("api_key=$key&blog=https%%3A%%2F%%2Fnews.example%%2F&user_ip=198.51.100.%d&user_agent=Mozilla%%2F5.0&permalink=https%%3A%%2F%%2Fnews.example%%2Fstory%%2F&comment_type=comment&comment_author=Reader+%d&comment_author_email=r%d%%40mail.example&comment_content=Thanks+for+the+article%%2C+comment+%d+about+the+council+vote.", n % 250, n, n % 1000, n)
  return wrk.format("POST", "/1.1/comment-check", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
LUA
echo "| what | throughput | p99 | failures |"
echo "| --- | --- | --- | --- |"
wrk_measure -s "$work/check.lua" "$base"
echo "| comment-check, answer only | ${rps}/s | ${p99} | ${bad} non-2xx ${socket_errors} |"
stop
"$bin" site store-checked https://news.example on >/dev/null
serve "$work"
wrk_measure -s "$work/check.lua" "$base"
echo "| comment-check, filed in the queue | ${rps}/s | ${p99} | ${bad} non-2xx ${socket_errors} |"
