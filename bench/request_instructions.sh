#!/usr/bin/env bash
# Instructions the whole service process spends per submission, counted by valgrind's
# cachegrind: unlike requests/s on this VM, the count does not move with the machine's
# speed, so two builds can be compared in one run each. The service runs under cachegrind
# twice, taking 100 and then 1,100 distinct JSON (or form) submissions one at a time over
# one keep-alive connection; the difference divided by 1,000 leaves start-up and shutdown
# out. One at a time, every submission is its own commit: the count includes a commit's
# work that group commit shares among a batch under load (bench/cpu.sh measures that case).
# Usage: bench/request_instructions.sh [json|form]   (needs valgrind and python3;
# BIN=path/to/replyguard counts that build instead of a fresh release build;
# CALLGRIND=/absolute/file also profiles start-up and 1,000 submissions under callgrind into
# that file, for `callgrind_annotate --inclusive=yes FILE`: where the count goes)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
kind=${1:-json}
service_setup
submission_template "$kind"
real=$bin
bin=$work/under-valgrind
# under TOOL_ARGS...: $bin runs the build under valgrind with these arguments.
under() {
  cat > "$bin" <<SH
#!/bin/sh
exec valgrind $* --log-file="$work/valgrind.log" "$real" "\$@"
SH
  chmod +x "$bin"
}
under --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null

# count N: the service's instructions over start-up, N submissions and shutdown.
count() {
  mkdir -p "$work/$1"
  serve "$work/$1"
  python3 - "$base" "$1" "$format" "$path" "$type" <<'PY'
import http.client, sys, urllib.parse
base, n, template, path, ctype = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port)
for i in range(n):
    # The same requests as bench/lib.sh's wrk load, one at a time.
    body = template % (base, i % 50, i, i % 1000, i)
    conn.request("POST", path, body, {"Content-Type": ctype})
    answer = conn.getresponse()
    answer.read()
    if answer.status not in (202, 303):
        sys.exit(f"submission {i}: HTTP {answer.status}")
PY
  stop
  awk '/I *refs/ {gsub(",", "", $4); print $4}' "$work/valgrind.log"
}

few=$(count 100)
many=$(count 1100)
echo "$kind submission, one at a time: $(((many - few) / 1000)) instructions per request"
if [ -n "${CALLGRIND:-}" ]; then
  under --tool=callgrind "--callgrind-out-file=$CALLGRIND"
  count 1000 > /dev/null
  echo "callgrind profile of start-up and 1,000 submissions: $CALLGRIND"
fi
