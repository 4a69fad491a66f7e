#!/usr/bin/env bash
# The public listing of a big thread (issue #28 item 4): an article with 2,000 and one with
# 20,000 approved comments (a tenth of them replies), imported from a generated WordPress
# export; then the time of the widget's first request (50 top-level comments with their
# replies) and of the whole listing, the first time (read and rendered) and again (from
# the listing cache), by curl, median of 5.
# Usage: bench/listing.sh   (BIN=path/to/replyguard to skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
service_setup
site=https://big.example
"$bin" --data-dir "$work" site add "$site" --name Big >/dev/null
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
def item(n, slug):
    out = [f"<item><link>https://big.example/{slug}/</link>"]
    for i in range(1, n + 1):
        parent = i - 1 if i % 10 == 0 else 0
        out.append(
            f"<wp:comment><wp:comment_id>{i}</wp:comment_id>"
            f"<wp:comment_author>Reader {i}</wp:comment_author>"
            f"<wp:comment_author_email>r{i}@mail.example</wp:comment_author_email>"
            f"<wp:comment_date_gmt>2026-05-01 10:00:00</wp:comment_date_gmt>"
            f"<wp:comment_content>Comment {i} on {slug}: the council, the library and the buses, again.</wp:comment_content>"
            f"<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>{parent}</wp:comment_parent></wp:comment>")
    out.append("</item>")
    return "".join(out)
with open(f"{work}/export.xml", "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>')
    f.write(item(2000, "two-thousand"))
    f.write(item(20000, "twenty-thousand"))
    f.write("</channel></rss>")
PY
"$bin" --data-dir "$work" import wordpress "$work/export.xml" >/dev/null
(cd "$work" && REPLYGUARD_DATA_DIR="$work" REPLYGUARD_LOG=warn exec "$bin" --bind 127.0.0.1:0 > "$work/out.log" 2>/dev/null) &
server=$!
until grep -q listening "$work/out.log" 2>/dev/null; do sleep 0.1; done
base=$(sed 's/.*listening on //' "$work/out.log")
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { curl -s -o /dev/null -w '%{time_total}\n' "$1" | awk '{printf "%.1f\n", $1 * 1000}'; }
echo "| comments | request | first (ms) | cached, median of 5 (ms) | bytes |"
echo "| --- | --- | --- | --- | --- |"
for slug in two-thousand twenty-thousand; do
  thread=$(python3 -c "import urllib.parse; print(urllib.parse.quote('$site/$slug/', safe=''))")
  n=$([ "$slug" = two-thousand ] && echo 2,000 || echo 20,000)
  for q in "limit=50" ""; do
    url="$base/api/v1/comments?thread=$thread${q:+&$q}"
    first=$(time_ms "$url")
    again=$(for _ in 1 2 3 4 5; do time_ms "$url"; done | median)
    bytes=$(curl -s "$url" | wc -c)
    echo "| $n | ${q:-all} | $first | $again | $bytes |"
  done
done
