# A throwaway PostgreSQL server for tests and benchmarks (sourced, not run): Debian's
# postgresql package (installed if missing), a cluster in a temporary folder on a free port,
# owned by the postgres user when run as root (initdb refuses root).
#   start_postgres   sets PGBIN, PGDIR, PGPORT and PGURL (postgres://postgres@127.0.0.1:PORT)
#   stop_postgres    stops it and removes the folder

start_postgres() {
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PGDIR=$(mktemp -d)
  if [ "$(id -u)" = 0 ]; then chown postgres "$PGDIR"; fi
  _as_pg "$PGBIN/initdb" -D "$PGDIR/db" -A trust -U postgres >/dev/null
  # A free port below the kernel's range for outgoing connections (a test's 2,000 sockets
  # can take any port in that range between the check and the bind), nothing answering on
  # it; another one if the server still cannot bind it.
  local low tries=0
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  while :; do
    PGPORT=$((20000 + RANDOM % (low - 20000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$PGPORT") 2>/dev/null && continue
    _as_pg "$PGBIN/pg_ctl" -D "$PGDIR/db" -l "$PGDIR/log" -w \
      -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200" start \
      >/dev/null && break
    tries=$((tries + 1))
    if [ "$tries" -ge 5 ]; then echo "PostgreSQL did not start; see $PGDIR/log" >&2; return 1; fi
  done
  PGURL="postgres://postgres@127.0.0.1:$PGPORT"
}

stop_postgres() {
  if [ -n "${PGDIR:-}" ]; then
    _as_pg "$PGBIN/pg_ctl" -D "$PGDIR/db" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PGDIR"
    PGDIR=
  fi
}

_as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
