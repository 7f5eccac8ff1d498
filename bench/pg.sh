# Sourced by the benchmarks: a throwaway PostgreSQL cluster on a loopback
# port, run by the postgres user, removed on exit (KEEP=1 keeps it).
#   start_pg "SERVER OPTIONS"   sets PGDIR and PORT; psql_ runs psql on it
PGBIN=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres "$@"; }
stop_pg() {
  [ -n "${PGDIR:-}" ] || return 0
  [ -n "${KEEP:-}" ] && { echo "kept $PGDIR on port $PORT (KEEP=1)"; return; }
  as_pg "$PGBIN/pg_ctl" -D "$PGDIR/db" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$PGDIR"
}
start_pg() {
  [ -x "$PGBIN/postgres" ] || { echo "needs Debian's postgresql-15 (scripts/install-deps.sh)" >&2; exit 2; }
  PGDIR=$(mktemp -d /tmp/deconflict-pg.XXXXXX)
  chown postgres "$PGDIR" 2> /dev/null || true
  PORT=$((50000 + RANDOM % 10000))
  as_pg "$PGBIN/initdb" -D "$PGDIR/db" -A trust -U postgres > /dev/null
  as_pg "$PGBIN/pg_ctl" -D "$PGDIR/db" -l "$PGDIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGDIR $1" start > /dev/null
  export PGOPTIONS='-c client_min_messages=warning'
}
