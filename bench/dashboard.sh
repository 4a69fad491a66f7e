#!/usr/bin/env bash
# Dashboard queue response times with N comments in the database (default 100,000, all
# pending): imports a generated WordPress export, signs in, and times each page view with
# curl (median of 5). Usage: bench/dashboard.sh [N]   (needs python3, curl)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cargo build --release --quiet
bin=$(pwd)/target/release/replyguard
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
python3 - "$dir/export.xml" "$n" <<'PY'
import sys
out, n = sys.argv[1], int(sys.argv[2])
words = "council budget library river school bus housing park festival mayor road tax".split()
with open(out, "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>\n')
    for post in range((n + 499) // 500):
        f.write(f"<item><link>https://bench.example/post-{post}/</link>\n")
        for j in range(min(500, n - post * 500)):
            i = post * 500 + j
            body = " ".join(words[(i * k) % len(words)] for k in range(1, 12)) + f" comment {i}"
            f.write(f"<wp:comment><wp:comment_id>{i + 1}</wp:comment_id><wp:comment_author>Reader {i % 5000}</wp:comment_author>"
                    f"<wp:comment_author_email>r{i % 5000}@mail.example</wp:comment_author_email>"
                    f"<wp:comment_date_gmt>2026-01-01 00:00:00</wp:comment_date_gmt>"
                    f"<wp:comment_content>{body}</wp:comment_content><wp:comment_approved>0</wp:comment_approved>"
                    f"<wp:comment_parent>0</wp:comment_parent></wp:comment>\n")
        f.write("</item>\n")
    f.write("</channel></rss>\n")
PY
cd "$dir"
"$bin" import wordpress export.xml >/dev/null
printf 'bench password 1\n' | "$bin" moderator add bench >/dev/null 2>&1
REPLYGUARD_LOG=warn "$bin" --bind 127.0.0.1:0 > out.log 2>/dev/null &
server=$!
until grep -q listening out.log; do sleep 0.2; done
base=$(sed 's/.*listening on //' out.log)
csrf=$(curl -s -c jar "$base/dashboard/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | sed 's/.*value="//;s/"//')
curl -s -b jar -c jar -o /dev/null -d "csrf=$csrf&name=bench&password=bench+password+1" "$base/dashboard/login"
echo "== $n pending comments"
for page in "/dashboard" "/dashboard?order=uncertain" "/dashboard?order=newest&page=2000" \
            "/dashboard?q=festival+mayor" "/dashboard?q=comment+99999" "/dashboard?article=post-7/"; do
  times=$(for _ in 1 2 3 4 5; do curl -s -b jar -o /dev/null -w '%{time_total}\n' "$base$page"; done | sort -n)
  printf '%-45s median %s s\n' "$page" "$(echo "$times" | sed -n 3p)"
done
