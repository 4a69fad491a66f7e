#!/usr/bin/env bash
# Whether two builds score alike: for a change meant to make scoring faster without changing
# a single score. Trains three models with OLD (the shipped settings, `--char-ngrams 3-5
# --fold on`, and `--no-bigrams`), scores the six corpus files and 3,000 generated texts
# (long and cut-off words, numbers, punctuation, entities, links, look-alikes, emoji) with
# the shipped model and each trained one, under both builds, and compares every line of
# `model score` (probability, verdict and log-odds to six places).
# Usage: bench/same_scores.sh OLD_BIN NEW_BIN   (needs ../shared/data and python3)
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1
new=$2
data=../shared/data
files=("$data"/youtube-spam-collection/*.csv "$data"/sms-spam-collection/SMSSpamCollection)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

python3 - "$out/generated.tsv" <<'PY'
import random, sys
random.seed(7)
words = ["free", "check", "out", "my", "channel", "subscribe", "http://bit.ly/x",
         "www.example.com", "12345", "0800", "555-1234", "Hello!!!", "wow...", "it's",
         "a" * 39, "b" * 40, "c" * 41, "d1" * 25, "1" * 45, "x.y", "me@example.com",
         "café", "naïve", "😀", "$100", "£5", "hi-there", "foo_bar", "AbC", "ZZZ",
         "e\u0301", "&amp;", "goo . gl/abc", "v1agra", "fr33"]
with open(sys.argv[1], "w") as f:
    for _ in range(3000):
        n = random.randint(0, 30)
        text = " ".join(random.choice(words) + random.choice(["", "", " ", ",", ".", "!"])
                        for _ in range(n))
        f.write("ham\t" + text.replace("\t", " ") + "\n")
PY

"$old" model train --out "$out/folded.json" --char-ngrams 3-5 --fold on "${files[@]}" >/dev/null
"$old" model train --out "$out/no-bigrams.json" --no-bigrams "${files[@]}" >/dev/null
# scores BIN: every score line, for every model and input.
scores() {
  for input in "${files[@]}" "$out/generated.tsv"; do
    "$1" model score "$input"
    "$1" model score --model "$out/folded.json" "$input"
    "$1" model score --model "$out/no-bigrams.json" "$input"
  done
}
scores "$old" > "$out/old.txt"
scores "$new" > "$out/new.txt"
lines=$(wc -l < "$out/old.txt")
if cmp -s "$out/old.txt" "$out/new.txt"; then
  echo "same: all $lines scores identical"
else
  echo "DIFFERENT: $(diff "$out/old.txt" "$out/new.txt" | grep -c '^<') of $lines scores differ"
  exit 1
fi
