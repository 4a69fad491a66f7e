# Shared by the bench scripts (sourced, not run): one measured wrk run, and the load of
# distinct JSON submissions. Callers set `duration` (seconds).

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

# json_post_script FILE BASE_URL: a wrk script posting distinct comments over 50 articles
# of BASE_URL to Replyguard's JSON API.
json_post_script() {
  cat > "$1" <<LUA
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"thread":"%s/bench/%d","author":"Reader %d","email":"r%d@example.com","body":"Thanks for the article, comment %d about the council vote."}', "$2", n % 50, n, n % 1000, n)
  return wrk.format("POST", "/api/v1/comments", {["Content-Type"] = "application/json"}, body)
end
LUA
}
