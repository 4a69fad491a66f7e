#!/usr/bin/env bash
# Submissions on PostgreSQL (issue #12's table), side by side with SQLite, in one run on
# this machine: a release build, distinct JSON comments (each validated, scored and
# committed before its 202), wrk with 32 connections in all:
#   1. one instance on SQLite (the embedded default);
#   2. one instance on a throwaway PostgreSQL server;
#   3. two instances on that same database, each driven by its own wrk (16 connections),
#      throughputs summed, the worse p99 shown.
# Usage: bench/postgres.sh [DURATION_SECONDS=10]
# Needs wrk and Debian's postgresql (apt-get install wrk postgresql).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
. .ci/postgres.sh
duration=${1:-10}
cargo build --release --quiet
bin=$(pwd)/target/release/replyguard
work=$(mktemp -d)
servers=()
stop_all() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  servers=()
}
trap 'stop_all; stop_postgres; rm -rf "$work"' EXIT
start_postgres

# start DIR [DATABASE_URL]: serve with DIR as the data directory; appends to $servers,
# sets $base.
start() {
  mkdir -p "$1"
  (cd "$1" && REPLYGUARD_LOG=warn REPLYGUARD_LIMITS=off REPLYGUARD_DATABASE_URL="${2:-}" \
    REPLYGUARD_SECRET=bench-secret-of-at-least-thirty-two-characters \
    exec "$bin" --bind 127.0.0.1:0 > out.log 2>/dev/null) &
  servers+=($!)
  until grep -q listening "$1/out.log" 2>/dev/null; do sleep 0.1; done
  base=$(sed 's/.*listening on //' "$1/out.log")
}

echo "| what | throughput | p99 | failures |"
echo "| --- | --- | --- | --- |"
row() { printf '| %-58s | %8s/s | %8s | %s |\n' "$1" "$2" "$3" "$4"; }

start "$work/sqlite"
post_script "$work/sqlite.lua" "$base"
wrk_measure -s "$work/sqlite.lua" "$base"
row "one instance, SQLite (data directory)" "$rps" "$p99" "$bad errors${socket_errors:+; $socket_errors}"
stop_all

"$PGBIN/psql" -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "CREATE DATABASE bench" postgres
url="$PGURL/bench"
start "$work/pg-a" "$url"
a=$base
post_script "$work/pg-one.lua" "$a"
wrk_measure -s "$work/pg-one.lua" "$a"
row "one instance, PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}')" "$rps" "$p99" "$bad errors${socket_errors:+; $socket_errors}"

start "$work/pg-b" "$url"
b=$base
post_script "$work/pg-a.lua" "$a"
post_script "$work/pg-b.lua" "$b"
# Warm both, then measure both at once.
wrk -t1 -c16 -d2s -s "$work/pg-a.lua" "$a" > /dev/null &
load=$!
wrk -t1 -c16 -d2s -s "$work/pg-b.lua" "$b" > /dev/null
wait "$load"
wrk -t1 -c16 -d"${duration}s" --latency -s "$work/pg-a.lua" "$a" > "$work/a.out" &
load=$!
wrk -t1 -c16 -d"${duration}s" --latency -s "$work/pg-b.lua" "$b" > "$work/b.out"
wait "$load"
sum=$(awk '/Requests\/sec/ {s += $2} END {printf "%.0f", s}' "$work/a.out" "$work/b.out")
p99s=$(awk '$1 == "99%" {print $2}' "$work/a.out" "$work/b.out" | tr '\n' ' ')
bad=$(awk '/Non-2xx or 3xx/ {s += $5} END {print s + 0}' "$work/a.out" "$work/b.out")
row "two instances, one PostgreSQL database (A + B)" "$sum" "$p99s" "$bad errors"
stored=$("$PGBIN/psql" -tA -h 127.0.0.1 -p "$PGPORT" -U postgres -c "SELECT COUNT(*) FROM comments" bench)
echo
echo "PostgreSQL holds $stored comments after the run."
