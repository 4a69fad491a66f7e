#!/usr/bin/env bash
# Where a submission's CPU goes: runs the JSON submission load of bench/throughput.sh (32
# connections, 50 articles, empty database) against a release build and prints requests/s
# and the CPU time per request of the whole service, of its writer thread and of its WAL
# sync thread (from /proc/<pid>/task/*/stat), and of wrk itself.
# Usage: bench/cpu.sh [DURATION_SECONDS=10]   (needs wrk, bc and /usr/bin/time: apt-get install wrk bc time;
# BIN=path/to/replyguard measures that binary instead of a fresh release build, for A/B runs)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
duration=${1:-10}
service_setup
serve "$work"
post_script "$work/post.lua" "$base"
wrk -t2 -c32 -d2s -s "$work/post.lua" "$base" > /dev/null
ticks=$(getconf CLK_TCK)
# thread_ticks NAME: user + system ticks of the service's threads whose name starts with NAME.
thread_ticks() {
  local total=0 t
  for t in /proc/"$server"/task/*; do
    case "$(cat "$t/comm")" in "$1"*) total=$((total + $(awk '{print $14 + $15}' "$t/stat")));; esac
  done
  echo "$total"
}
all0=$(process_ticks "$server"); w0=$(thread_ticks replyguard-writ); s0=$(thread_ticks replyguard-sync)
t0=$(date +%s.%N)
out=$( { /usr/bin/time -f 'wrk_cpu %U %S' wrk -t2 -c32 -d"${duration}s" -s "$work/post.lua" "$base"; } 2>&1 )
all1=$(process_ticks "$server"); w1=$(thread_ticks replyguard-writ); s1=$(thread_ticks replyguard-sync)
n=$(echo "$out" | awk '/requests in/ {print $1}')
rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')
wrk_s=$(echo "$out" | awk '/wrk_cpu/ {print $2 + $3}')
us() { echo "scale=0; $1 * 1000000 / $ticks / $n" | bc; }
echo "requests/s: $rps"
echo "service CPU per request: $(us $((all1 - all0))) µs (writer $(us $((w1 - w0))) µs, WAL sync $(us $((s1 - s0))) µs)"
echo "wrk CPU per request: $(echo "scale=0; $wrk_s * 1000000 / $n" | bc) µs"
