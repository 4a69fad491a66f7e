#!/usr/bin/env bash
# Submissions with PREFILL comments already stored against an empty database, measured
# alternately (issue #8's "within 10 % of the empty database" rows). bench/throughput.sh
# measures the empty database first and the full one a minute later, and this VM's speed
# drifts by more than 10 % in a minute; alternating empty, full, empty, full… lets each
# pair be compared on the same machine state. Each run starts from a copy of its database
# as it was before the first run, so the empty one stays empty.
# Usage: bench/stored.sh [KIND=form|json] [ROUNDS=4] [DURATION_SECONDS=10] [PREFILL=1000000]
# Needs wrk and sqlite3 (apt-get install wrk sqlite3).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
kind=${1:-form}
rounds=${2:-4}
duration=${3:-10}
prefill=${4:-1000000}
service_setup

for name in empty full; do
  mkdir -p "$work/$name.orig"
  (cd "$work/$name.orig" && "$bin" migrate > /dev/null)
done
prefill_comments "$work/full.orig/data/replyguard.sqlite3" "$prefill"
stored=$(sqlite3 "$work/full.orig/data/replyguard.sqlite3" 'SELECT COUNT(*) FROM comments')

# run NAME: one measured run on a fresh copy of NAME's database; sets rps (and p99, bad).
run() {
  rm -rf "$work/run"
  cp -r "$work/$1.orig" "$work/run"
  serve "$work/run"
  post_script "$work/post.lua" "$base" "$kind"
  wrk_measure -s "$work/post.lua" "$base"
  stop
  if [ "$bad" != 0 ]; then echo "$bad failed requests in a $1 run" >&2; exit 1; fi
}

echo "$kind submissions, ${duration} s runs, empty database and $stored comments stored, alternately"
echo "| pair | empty | $stored stored | change |"
echo "| --- | --- | --- | --- |"
empties=() fulls=() changes=()
for r in $(seq 1 "$rounds"); do
  run empty; e=$rps
  run full; f=$rps
  change=$(awk -v e="$e" -v f="$f" 'BEGIN {printf "%+.1f", (f - e) * 100 / e}')
  empties+=("$e"); fulls+=("$f"); changes+=("$change")
  echo "| $r | $e/s | $f/s | $change % |"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo
echo "medians: empty $(median "${empties[@]}")/s, stored $(median "${fulls[@]}")/s;" \
  "median of the pairs' changes $(median "${changes[@]}") %"
