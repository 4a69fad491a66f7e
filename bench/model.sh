#!/usr/bin/env bash
# Training time on the 7,530 public texts, and the memory of a process holding the loaded
# model. Usage: bench/model.sh [RUNS]  (needs ../shared/data; builds the release binary).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
data=../shared/data
cargo build --release --quiet
bin=target/release/replyguard
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== training on $data (YouTube CSVs + SMS), $runs runs"
for _ in $(seq "$runs"); do
  /usr/bin/time -f "%e s wall, %M KiB peak RSS" "$bin" model train --out "$out/m.json" \
    "$data"/youtube-spam-collection/*.csv "$data"/sms-spam-collection/SMSSpamCollection \
    2>&1 | sed 's/; wrote.*//'
done

echo "== memory of a process that loaded the shipped model and scored one line"
echo "?	hello" > "$out/one.tsv"
/usr/bin/time -f "%M KiB peak RSS (includes parsing the JSON file)" "$bin" model score "$out/one.tsv"
echo "== the same process without loading a model, for comparison"
/usr/bin/time -f "%M KiB peak RSS" "$bin" --help >/dev/null
