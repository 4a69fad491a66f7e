# Shared by the bench scripts (sourced, not run): the release service in a scratch
# directory, one measured wrk run, and the load of distinct submissions. Callers set
# `duration` (seconds).

# service_setup: the release binary in $bin (a fresh build, or $BIN when set, for A/B runs
# of two builds), a scratch directory in $work, and on exit the service stopped and $work
# removed.
service_setup() {
  if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet
    BIN=target/release/replyguard
  fi
  bin=$(realpath "$BIN")
  work=$(mktemp -d)
  server=
  trap 'stop; rm -rf "$work"' EXIT
}

# serve DIR: the service on a free local port, its data directory under DIR (quiet, limits
# off, output in DIR/out.log); sets $server and $base once it listens.
serve() {
  # A log left by an earlier run in DIR would say "listening" before this one does.
  rm -f "$1/out.log"
  (cd "$1" && REPLYGUARD_LOG=warn REPLYGUARD_LIMITS=off exec "$bin" --bind 127.0.0.1:0 > out.log 2>/dev/null) &
  server=$!
  until grep -q listening "$1/out.log" 2>/dev/null; do sleep 0.1; done
  base=$(sed 's/.*listening on //' "$1/out.log")
}

# stop: stops the service `serve` started, if it runs.
stop() {
  if [ -n "${server:-}" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=
  fi
}

# wrk_measure WRK_ARGS...: 2 s of the same load first (files grow, caches fill), then the
# measured run (32 connections, 2 threads); sets rps, p99, bad (non-2xx/3xx) and
# socket_errors, and cpu_us: the CPU time (user and system) per request of the process
# $server over the measured run, when the caller set $server (else empty). BENCH_DEBUG=1
# prints wrk's own output on stderr.
# process_ticks PID: the CPU time (user and system, all threads) the process has used, in
# clock ticks (getconf CLK_TCK per second).
process_ticks() {
  awk '{print $14 + $15}' "/proc/$1/stat"
}

wrk_measure() {
  wrk -t2 -c32 -d2s "$@" > /dev/null
  local out ticks0= ticks1 requests
  if [ -n "${server:-}" ]; then ticks0=$(process_ticks "$server"); fi
  out=$(wrk -t2 -c32 -d"${duration}s" --latency "$@")
  cpu_us=
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  if [ -n "$ticks0" ] && [ "${requests:-0}" -gt 0 ]; then
    ticks1=$(process_ticks "$server")
    cpu_us=$(( (ticks1 - ticks0) * 1000000 / $(getconf CLK_TCK) / requests ))
  fi
  if [ -n "${BENCH_DEBUG:-}" ]; then echo "$out" >&2; fi
  rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  bad=$(echo "$out" | awk '/Non-2xx or 3xx/ {print $5}')
  bad=${bad:-0}
  socket_errors=$(echo "$out" | awk '/Socket errors/ {print $0}' | sed 's/^ *//')
}

# prefill_comments DATABASE N: N older comments over 5,000 threads of one site, written
# straight into a migrated DATABASE (six in ten approved, two spam, one rejected, one pending).
prefill_comments() {
  sqlite3 "$1" > /dev/null <<SQL
PRAGMA journal_mode = WAL;
INSERT INTO sites (origin, name, created_at) VALUES ('http://old.example', 'old', 0);
WITH RECURSIVE t(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM t WHERE i < 5000)
INSERT INTO threads (site_id, url, created_at) SELECT 1, 'http://old.example/post-' || i, 0 FROM t;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $2)
INSERT INTO comments (thread_id, author, email, body, status, created_at, spam_score,
                      spam_log_odds, spam_reasons, model_version)
SELECT 1 + i % 5000, 'Reader ' || (i % 7919), 'r' || (i % 7919) || '@mail.example',
       'An older comment number ' || i || ' about the council budget, the river and the bus route.',
       CASE WHEN i % 10 < 6 THEN 'approved' WHEN i % 10 < 8 THEN 'spam'
            WHEN i % 10 < 9 THEN 'rejected' ELSE 'pending' END,
       1700000000000 + i, (i % 1000) / 1000.0, ((i % 1000) - 500) / 50.0, '[]', 'bench'
FROM c;
SQL
}

# submission_template [json|form]: the load's request, in $format (a printf format of the
# base URL, the article number, the reader number twice and the comment number), $path and
# $type, for the JSON API (202) or the HTML form (303).
submission_template() {
  if [ "${1:-json}" = json ]; then
    format='{"thread":"%s/bench/%d","author":"Reader %d","email":"r%d@example.com","body":"Thanks for the article, comment %d about the council vote."}'
    path=/api/v1/comments
    type=application/json
  else
    format='thread=%s%%2Fbench%%2F%d&author=Reader+%d&email=r%d%%40example.com&comment=Thanks+for+the+article%%2C+comment+%d+about+the+council+vote.'
    path=/comments
    type=application/x-www-form-urlencoded
  fi
}

# post_script FILE BASE_URL [json|form]: a wrk script posting distinct comments over 50
# articles of BASE_URL, to the JSON API (202) or through the HTML form (303).
post_script() {
  local format path type
  submission_template "${3:-json}"
  cat > "$1" <<LUA
local n = 0
request = function()
  n = n + 1
  local body = string.format([[$format]], "$2", n % 50, n, n % 1000, n)
  return wrk.format("POST", "$path", {["Content-Type"] = "$type"}, body)
end
LUA
}
