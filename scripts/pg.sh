# Sourced by test.sh and soak.sh: `start_pg` starts a private PostgreSQL server (Debian's newest
# installed version) on a free port, sets PG_URL to its `postgres` database, and removes it when
# the calling script exits.

start_pg() {
  local pg_bin pg_port
  pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  # In memory when there is room (over 4 GB free in /dev/shm): a run's databases, one per test,
  # come to about 1.7 GB, and are written and removed faster there than on disk.
  local parent=/tmp
  if [ -w /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt 4194304 ]; then
    parent=/dev/shm
  fi
  PG_DIR=$(mktemp -d "$parent/mailconnect-pg.XXXXXX")
  pg_port=${TEST_POSTGRES_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
  AS_PG=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_DIR"
    AS_PG=(runuser -u postgres --)
  fi
  PG_BIN=$pg_bin
  trap stop_pg EXIT
  trap 'exit 130' INT TERM
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust >/dev/null
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $pg_port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off ${PG_EXTRA_OPTIONS:-}" start >/dev/null
  PG_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
}

stop_pg() {
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
