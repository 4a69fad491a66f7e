#!/usr/bin/env bash
# What the submission limits cost per submission (issue #25, item 2), in one run on this
# machine: a release build, distinct JSON comments from 63,001 addresses (X-Forwarded-For
# behind a trusted proxy) and 1,000 emails, wrk with 32 connections, each of:
#   SQLite, limits off | SQLite, limits in memory | PostgreSQL, limits off |
#   PostgreSQL, limits shared in the database (one more unit of work per submission).
# The limits are on but never bite (no flood interval, a rate no client reaches): what is
# measured is their bookkeeping. Usage: bench/limits.sh [DURATION_SECONDS=10]
# Needs wrk and Debian's postgresql (apt-get install wrk postgresql).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
. .ci/postgres.sh
duration=${1:-10}
cargo build --release --quiet
bin=$(pwd)/target/release/replyguard
work=$(mktemp -d)
server=
stop_one() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=; fi; }
trap 'stop_one; stop_postgres; rm -rf "$work"' EXIT
start_postgres

# start DIR LIMITS [DATABASE_URL]: one instance; sets $server and $base.
start() {
  mkdir -p "$1"
  (cd "$1" && REPLYGUARD_LOG=warn REPLYGUARD_LIMITS="$2" REPLYGUARD_FLOOD_SECS=0 \
    REPLYGUARD_RATE_PER_HOUR=1000000000 REPLYGUARD_RATE_BURST=1000000000 \
    REPLYGUARD_TRUSTED_PROXIES=127.0.0.1 REPLYGUARD_DATABASE_URL="${3:-}" \
    REPLYGUARD_SECRET=bench-secret-of-at-least-thirty-two-characters \
    exec "$bin" --bind 127.0.0.1:0 > out.log 2>/dev/null) &
  server=$!
  until grep -q listening "$1/out.log" 2>/dev/null; do sleep 0.1; done
  base=$(sed 's/.*listening on //' "$1/out.log")
}

# script FILE BASE: distinct comments, each from one of 63,001 addresses.
script() {
  submission_template json
  cat > "$1" <<LUA
-- Each wrk thread, in each run (the warm-up is one), counts from its own offset: the same
-- comment twice would be a duplicate, refused with 409.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
local n = 0
function init(args)
  n = (id or 0) * 1000000000 + (os.time() % 10000) * 100000
end
request = function()
  n = n + 1
  local body = string.format([[$format]], "$2", n % 50, n, n % 1000, n)
  local from = string.format("10.%d.%d.%d", n % 251, math.floor(n / 251) % 251, math.floor(n / 63001) % 251)
  return wrk.format("POST", "$path",
    {["Content-Type"] = "$type", ["X-Forwarded-For"] = from}, body)
end
LUA
}

echo "| what | throughput | p99 | CPU per submission | failures |"
echo "| --- | --- | --- | --- | --- |"
row() { printf '| %-44s | %8s/s | %8s | %6s µs | %s |\n' "$1" "$2" "$3" "$4" "$5"; }
n=0
for backend in sqlite postgres; do
  for limits in off on; do
    n=$((n + 1))
    url=
    if [ "$backend" = postgres ]; then
      "$PGBIN/psql" -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "CREATE DATABASE bench$n" postgres
      url="$PGURL/bench$n"
    fi
    start "$work/$n" "$limits" "$url"
    script "$work/$n.lua" "$base"
    wrk_measure -s "$work/$n.lua" "$base"
    case "$backend/$limits" in
      sqlite/off) what="SQLite, limits off" ;;
      sqlite/on) what="SQLite, limits in memory" ;;
      postgres/off) what="PostgreSQL, limits off" ;;
      postgres/on) what="PostgreSQL, limits shared in the database" ;;
    esac
    row "$what" "$rps" "$p99" "${cpu_us:-?}" "$bad errors${socket_errors:+; $socket_errors}"
    stop_one
  done
done
