#!/usr/bin/env bash
# Instructions per comment of scoring, of scoring with `--fold on`'s folding, and of scoring
# with reasons, counted by valgrind's cachegrind: unlike time, the count does not move with
# this VM's speed, so two builds can be compared in one run each. Runs the classifier
# benchmark with one sample and with three (one pass over the corpus texts per sample) and
# divides the difference by the comments scored, so start-up (loading the model and the
# texts) cancels out. A build from before score_comment_folded existed prints 0 for it.
# Usage: bench/instructions.sh   (needs valgrind: apt-get install valgrind; reads
# ../shared/data like the benchmark; BENCH=path/to/classifier-bench-binary counts that build;
# CACHE=1 also simulates the caches and prints first-level data cache misses per comment;
# BRANCHES=1 also simulates branch prediction and prints mispredicted branches per comment,
# by cachegrind's simple predictor: a guide to where loops exit unpredictably, not what the
# CPU does)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BENCH:-}" ]; then
  BENCH=$(cargo bench --bench classifier --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*classifier-[^"]*\)".*/\1/p' | tail -1)
fi
cache=no
[ "${CACHE:-0}" = 1 ] && cache=yes
branches=no
[ "${BRANCHES:-0}" = 1 ] && branches=yes
# count BENCH_NAME SAMPLES: instructions of a whole run, the number of texts scored, (with
# CACHE=1) the first-level data cache misses and (with BRANCHES=1) the mispredicted branches.
count() {
  valgrind --tool=cachegrind --cache-sim=$cache --branch-sim=$branches \
    --cachegrind-out-file=/dev/null \
    "$BENCH" --bench --exact "classifier::$1" --sample-count "$2" --sample-size 1 2>&1 >/dev/null |
    awk '/I *refs/ {gsub(",", "", $4); refs = $4} /^scoring [0-9]+ texts/ {texts = $2}
         /D1 *misses/ {gsub(",", "", $4); misses = $4}
         /Mispredicts/ {gsub(",", "", $3); mispredicts = $3}
         END {print refs, texts + 0, misses + 0, mispredicts + 0}'
}
# A build from before the benchmark printed its count needs TEXTS= (7530 with the corpora).
texts=${TEXTS:-$(count score_comment 1 | cut -d' ' -f2)}
for name in score_comment score_comment_folded score_and_explain_comment; do
  read -r one _ one_misses one_mispredicts < <(count "$name" 1)
  read -r three _ three_misses three_mispredicts < <(count "$name" 3)
  line="$name: $(( (three - one) / (2 * texts) )) instructions per comment ($texts texts)"
  if [ "$cache" = yes ]; then
    line="$line, $(( (three_misses - one_misses) / (2 * texts) )) L1 data misses per comment"
  fi
  if [ "$branches" = yes ]; then
    line="$line, $(( (three_mispredicts - one_mispredicts) / (2 * texts) )) mispredicted branches per comment"
  fi
  echo "$line"
done
