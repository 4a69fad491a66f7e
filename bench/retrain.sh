#!/usr/bin/env bash
# Retraining time and memory for N moderator labels (default: 10,000 and 100,000).
# Builds a WordPress export of N comments (half approved, half spam) from the public corpora
# texts, imports it (each becomes a label), then times `model retrain`. Also reports the
# import's own time and peak memory (streaming: it stays flat as the file grows).
# Usage: bench/retrain.sh [N...]   (needs ../shared/data and python3)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
cargo build --release --quiet
bin=$(pwd)/target/release/replyguard
data=$(cd ../shared/data && pwd)
for n in "${sizes[@]}"; do
  dir=$(mktemp -d)
  python3 - "$data" "$dir/export.xml" "$n" <<'PY'
import csv, glob, sys
data, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
texts = {"1": [], "spam": []}
for path in sorted(glob.glob(data + "/youtube-spam-collection/*.csv")):
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            texts["spam" if row["CLASS"] == "1" else "1"].append(row["CONTENT"])
with open(data + "/sms-spam-collection/SMSSpamCollection", encoding="utf-8") as f:
    for line in f:
        label, text = line.rstrip("\n").split("\t", 1)
        texts["spam" if label == "spam" else "1"].append(text)
def cdata(s):
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"
with open(out, "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n')
    per_post = 200
    for post in range((n + per_post - 1) // per_post):
        f.write(f"<item><title>Post {post}</title><link>https://bench.example/post-{post}/</link>\n")
        for j in range(min(per_post, n - post * per_post)):
            i = post * per_post + j
            status = "spam" if i % 2 else "1"
            pool = texts[status]
            body = pool[i % len(pool)] + f" ({i})"
            f.write(f"<wp:comment><wp:comment_id>{i + 1}</wp:comment_id>"
                    f"<wp:comment_author>{cdata('Reader ' + str(i % 997))}</wp:comment_author>"
                    f"<wp:comment_author_email>r{i % 997}@mail{i % 13}.example</wp:comment_author_email>"
                    f"<wp:comment_date_gmt>2026-01-01 00:00:00</wp:comment_date_gmt>"
                    f"<wp:comment_content>{cdata(body)}</wp:comment_content>"
                    f"<wp:comment_approved>{status}</wp:comment_approved>"
                    f"<wp:comment_parent>0</wp:comment_parent></wp:comment>\n")
        f.write("</item>\n")
    f.write("</channel>\n</rss>\n")
PY
  echo "== $n labels ($(du -h "$dir/export.xml" | cut -f1) export)"
  (cd "$dir" && /usr/bin/time -f "import: %e s wall, %M KiB peak RSS" "$bin" import wordpress export.xml >/dev/null)
  (cd "$dir" && /usr/bin/time -f "retrain: %e s wall, %M KiB peak RSS" "$bin" model retrain --force | tail -n 1)
  rm -rf "$dir"
done
