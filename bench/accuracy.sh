#!/usr/bin/env bash
# Accuracy on the public corpora with the project's own commands:
#   1. split A (per collection, 30 % of each class held out by SHA-256 of the row key):
#      train on both training halves, evaluate each collection's test half;
#   2. leave-one-video-out: train on four YouTube videos plus all of SMS, test on the fifth;
#   3. cross-corpus: train on all YouTube, test on SMS, and the other way round;
#   4. later year: train on the other videos' comments written before 2015 plus all SMS, test
#      on one video's comments from 2015 (the videos with 100 or more): other videos and
#      another year, as the issue's private unseen-site set is.
# Usage: bench/accuracy.sh [--json]   (BIN=path/to/replyguard to skip the release build;
# TRAIN_ARGS="--fold off" and the like for an ablation; UNLABELLED=1 gives each run the texts
# it is tested on, without their labels, as `--unlabelled`: adaptation to an unseen site)
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data
json=${1:-}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=target/release/replyguard
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
videos=("$data"/youtube-spam-collection/Youtube0*.csv)
sms="$data/sms-spam-collection/SMSSpamCollection"

echo "== split A"
"$BIN" model split --out-dir "$out" "${videos[@]}" "$sms" >/dev/null
# unlabelled FILE...: the `--unlabelled` arguments when UNLABELLED=1, else nothing.
unlabelled() { if [ -n "${UNLABELLED:-}" ]; then echo --unlabelled "$@"; fi; }
"$BIN" model train ${TRAIN_ARGS:-} --out "$out/a.json" "$out/youtube-train.tsv" "$out/smsspamcollection-train.tsv" \
  $(unlabelled "$out/youtube-test.tsv" "$out/smsspamcollection-test.tsv")
"$BIN" model evaluate $json --model "$out/a.json" --test "$out/youtube-test.tsv" "$out/smsspamcollection-test.tsv"

echo "== leave one video out (train: the other four videos + SMS)"
for held in "${videos[@]}"; do
  train=()
  for v in "${videos[@]}"; do [ "$v" = "$held" ] || train+=("$v"); done
  "$BIN" model train ${TRAIN_ARGS:-} --out "$out/lovo.json" "${train[@]}" "$sms" $(unlabelled "$held") >/dev/null
  "$BIN" model evaluate $json --model "$out/lovo.json" --test "$held" | tail -n 1
done

echo "== cross-corpus (train on one collection, test on the other)"
"$BIN" model train ${TRAIN_ARGS:-} --out "$out/yt.json" "${videos[@]}" $(unlabelled "$sms") >/dev/null
"$BIN" model evaluate $json --model "$out/yt.json" --test "$sms" | tail -n 1
"$BIN" model train ${TRAIN_ARGS:-} --out "$out/sms.json" "$sms" $(unlabelled "${videos[@]}") >/dev/null
"$BIN" model evaluate $json --model "$out/sms.json" --test "${videos[@]}" | tail -n 1

echo "== later year (train: the other videos' comments before 2015 + SMS; test: a video's 2015 comments)"
"$BIN" model split --out-dir "$out/years" --from-year 2015 "${videos[@]}" >/dev/null
for held in "${videos[@]}"; do
  test="$out/years/$(basename "$held" .csv)-from-2015.tsv"
  [ "$(wc -l <"$test")" -ge 100 ] || continue
  train=()
  for v in "${videos[@]}"; do
    [ "$v" = "$held" ] || train+=("$out/years/$(basename "$v" .csv)-before-2015.tsv")
  done
  "$BIN" model train ${TRAIN_ARGS:-} --out "$out/year.json" "${train[@]}" "$sms" $(unlabelled "$test") >/dev/null
  "$BIN" model evaluate $json --model "$out/year.json" --test "$test" | tail -n 1
done
