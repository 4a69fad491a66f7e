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
  # A free port: nothing answers on it.
  while :; do
    PGPORT=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$PGPORT") 2>/dev/null || break
  done
  if [ "$(id -u)" = 0 ]; then chown postgres "$PGDIR"; fi
  _as_pg "$PGBIN/initdb" -D "$PGDIR/db" -A trust -U postgres >/dev/null
  _as_pg "$PGBIN/pg_ctl" -D "$PGDIR/db" -l "$PGDIR/log" -w \
    -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
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
