#!/usr/bin/env bash
# The peer, measured in the same run: Isso 0.14 (PyPI isso==0.14.0 under gunicorn, 2 workers,
# moderation on, its SQLite in the default rollback journal with synchronous=FULL) against
# Replyguard's JSON submissions, each with the same wrk load (32 connections, 2 threads,
# distinct comments over 50 articles, posted as each service's own JSON API expects).
# Prints both and the ratio. Usage: bench/isso.sh [DURATION_SECONDS=10]
# Needs wrk (apt-get install wrk) and python3 with venv; the venv is kept in target/.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
duration=${1:-10}
root=$(pwd)
cargo build --release --quiet
bin=$root/target/release/replyguard
venv=$root/target/bench-isso-venv
if [ ! -x "$venv/bin/gunicorn" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'isso==0.14.0' gunicorn
fi
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wrk_row() {
  local label=$1
  shift
  wrk_measure "$@"
  printf '| %-58s | %7s/s | %8s | %s |\n' "$label" "$rps" "$p99" "$bad"
}

echo "| service | accepted submissions | p99 | non-2xx |"
echo "| --- | --- | --- | --- |"

# Replyguard, release build, empty data directory.
mkdir -p "$work/rg"
(cd "$work/rg" && REPLYGUARD_LOG=warn REPLYGUARD_LIMITS=off exec "$bin" --bind 127.0.0.1:0 > out.log 2>/dev/null) &
pids+=($!)
until grep -q listening "$work/rg/out.log" 2>/dev/null; do sleep 0.1; done
rg=$(sed 's/.*listening on //' "$work/rg/out.log")
post_script "$work/rg.lua" "$rg"
wrk_row "Replyguard (release, SQLite, group commit)" -s "$work/rg.lua" "$rg"
rg_rps=$rps
kill "${pids[0]}"

# Isso 0.14: moderation on, the guard (2 comments per minute per address) off, a title in
# each post so it never fetches the article from the network.
cat > "$work/isso.cfg" <<CFG
[general]
dbpath = $work/isso.db
host = http://bench.example/
[moderation]
enabled = true
[guard]
enabled = false
CFG
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$work" && ISSO_SETTINGS="$work/isso.cfg" exec "$venv/bin/gunicorn" -w 2 -b "127.0.0.1:$port" \
  --log-level warning isso.run > isso.log 2>&1) &
pids+=($!)
until curl -s -o /dev/null "http://127.0.0.1:$port/info"; do sleep 0.2; done
# Warm up both workers (imports, the database file) before measuring.
for i in 1 2 3 4 5 6; do
  curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Origin: http://bench.example' \
    -d "{\"text\":\"warm up $i\",\"author\":\"W\",\"email\":\"w@example.com\",\"title\":\"Warm\"}" \
    "http://127.0.0.1:$port/new?uri=%2Fwarm"
done
cat > "$work/isso.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"text":"Thanks for the article, comment %d about the council vote.","author":"Reader %d","email":"r%d@example.com","website":null,"title":"Post %d"}', n, n, n % 1000, n % 50)
  return wrk.format("POST", string.format("/new?uri=%%2Fbench%%2F%d", n % 50),
    {["Content-Type"] = "application/json", ["Origin"] = "http://bench.example"}, body)
end
LUA
wrk_row "Isso 0.14 (gunicorn, 2 workers, moderation on)" -s "$work/isso.lua" "http://127.0.0.1:$port"
isso_rps=$rps
echo
echo "Replyguard / Isso: $(echo "scale=1; $rg_rps / $isso_rps" | bc)x"
