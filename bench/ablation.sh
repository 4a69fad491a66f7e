#!/usr/bin/env bash
# Why the shipped settings: split A ROC AUC and false-positive rate (at each model's own
# calibrated threshold) for the defaults, then for one `model train` option changed at a
# time. Usage: bench/ablation.sh   (needs ../shared/data and python3)
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data
cargo build --release --quiet
bin=target/release/replyguard
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" model split --out-dir "$out" "$data"/youtube-spam-collection/*.csv "$data/sms-spam-collection/SMSSpamCollection" >/dev/null

run() {
  local name=$1; shift
  local train=("$out/youtube-train.tsv" "$out/smsspamcollection-train.tsv")
  if [ "$name" = "youtube only" ]; then train=("$out/youtube-train.tsv"); fi
  "$bin" model train --out "$out/m.json" "$@" "${train[@]}" >/dev/null
  "$bin" model evaluate --json --model "$out/m.json" --test "$out/youtube-test.tsv" "$out/smsspamcollection-test.tsv" \
    | python3 -c '
import json, sys
name = sys.argv[1]
r = {x["test"]: x for x in json.load(sys.stdin)["results"]}
y, s = r["youtube-test.tsv"], r["smsspamcollection-test.tsv"]
cells = [name, "%.4f" % y["roc_auc"], "%.2f %%" % (100 * y["false_positive_rate"]), "%.4f" % s["roc_auc"], "%.2f %%" % (100 * s["false_positive_rate"])]
print("| " + " | ".join(cells) + " |")
' "$name"
}

echo "| settings | YouTube ROC AUC | YouTube FPR | SMS ROC AUC | SMS FPR |"
echo "| --- | --- | --- | --- | --- |"
run "shipped defaults"
run "--counts raw" --counts raw
run "--counts log (no L2)" --counts log
run "--counts binary" --counts binary
run "--char-ngrams 3-5" --char-ngrams 3-5
run "--no-bigrams" --no-bigrams
run "--width-bits 16" --width-bits 16
run "--width-bits 18" --width-bits 18
run "--alpha 0.05" --alpha 0.05
run "--alpha 1" --alpha 1
run "--source-weight none" --source-weight none
run "--source-weight youtube=4" --source-weight youtube=4
run "youtube only"
