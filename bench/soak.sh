#!/usr/bin/env bash
# A soak test you can run (issue #25): bench/soak.sh MINUTES [--postgres]
# Mixed traffic (JSON, form, Akismet, listings, moderation decisions, a slow-body attacker,
# a webhook sink that hangs) against the release binary for MINUTES, with SIGKILL and a
# restart every 30 s; with --postgres the service runs on a throwaway PostgreSQL server,
# which is also stopped and started once half-way. Prints acknowledged against stored,
# answers by status and the peak resident memory; fails if any acknowledged comment is
# missing. The driver is bench/soak.py (Python's standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
cargo build --release --quiet
bin=$(pwd)/target/release/replyguard
work=$(mktemp -d)
data="$work/data"
mkdir -p "$data"
. .ci/postgres.sh
trap 'stop_postgres; rm -rf "$work"' EXIT
export REPLYGUARD_SECRET=soak-secret-of-at-least-thirty-two-characters
if [ "${2:-}" = --postgres ]; then
  start_postgres
  export REPLYGUARD_DATABASE_URL="$PGURL/postgres"
  export SOAK_PSQL="$PGBIN/psql"
  pgopts="-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200"
  export SOAK_PG_CTL="bash -c '. .ci/postgres.sh; PGDIR=$PGDIR; PGBIN=$PGBIN; \
_as_pg $PGBIN/pg_ctl -D $PGDIR/db -l $PGDIR/log -w -o \"$pgopts\" \"\$0\" >/dev/null'"
fi
export REPLYGUARD_DATA_DIR="$data"
"$bin" site add https://news.example --name Soak > /dev/null
echo "soak password 1234" | "$bin" moderator add soak > /dev/null
"$bin" site store-checked https://news.example on > /dev/null
SOAK_AKISMET_KEY=$("$bin" site key https://news.example)
export SOAK_AKISMET_KEY
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 bench/soak.py "$minutes" "$bin" "$data" "$port"
