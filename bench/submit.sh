#!/usr/bin/env bash
# Comment submission throughput over HTTP: wrk posts distinct JSON comments to a release
# build (16 connections, 2 threads, DURATION seconds, default 10), every one scored by the
# shipped model and committed with synchronous=FULL before its 202. Compare: Isso 0.14
# measured about 67 new comments/s on this machine (../shared/NOTES.md).
# Usage: bench/submit.sh [DURATION]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
cargo build --release --quiet
bin=$(pwd)/target/release/replyguard
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
cd "$dir"
REPLYGUARD_LOG=warn "$bin" --bind 127.0.0.1:0 > out.log 2>/dev/null &
server=$!
until grep -q listening out.log; do sleep 0.2; done
base=$(sed 's/.*listening on //' out.log)
cat > post.lua <<LUA
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"thread":"%s/","author":"Reader %d","email":"r%d@example.com","body":"Thanks for the article, comment %d about the council vote."}', "$base", counter, counter % 1000, counter)
  return wrk.format("POST", "/api/v1/comments", {["Content-Type"] = "application/json"}, body)
end
LUA
wrk -t2 -c32 -d"${duration}s" --latency -s post.lua "$base" | grep -E "Requests/sec|Latency|99%|50%|Non-2xx|requests in"
echo "stored: $(sqlite3 data/replyguard.sqlite3 'SELECT COUNT(*) FROM comments' 2>/dev/null || echo '?') comments"
