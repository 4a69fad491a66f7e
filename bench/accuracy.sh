#!/usr/bin/env bash
# Accuracy on the public corpora with the project's own commands:
#   1. split A (per collection, 30 % of each class held out by SHA-256 of the row key):
#      train on both training halves, evaluate each collection's test half;
#   2. leave-one-video-out: train on four YouTube videos plus all of SMS, test on the fifth.
# Usage: bench/accuracy.sh [--json]   (BIN=path/to/replyguard to skip the release build)
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
"$BIN" model train --out "$out/a.json" "$out/youtube-train.tsv" "$out/smsspamcollection-train.tsv"
"$BIN" model evaluate $json --model "$out/a.json" --test "$out/youtube-test.tsv" "$out/smsspamcollection-test.tsv"

echo "== leave one video out (train: the other four videos + SMS)"
for held in "${videos[@]}"; do
  train=()
  for v in "${videos[@]}"; do [ "$v" = "$held" ] || train+=("$v"); done
  "$BIN" model train --out "$out/lovo.json" "${train[@]}" "$sms" >/dev/null
  "$BIN" model evaluate $json --model "$out/lovo.json" --test "$held" | tail -n 1
done
