#!/usr/bin/env bash
# Runs every test: formatting, lints per feature set, the cargo tests (on a SQLite file and on a
# throwaway PostgreSQL server) and the Playwright end-to-end tests in Debian's Chromium.
# Installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh --test

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

say "checking formatting"
cargo fmt --all -- --check

# Per feature set, never ssr and hydrate together (the server builds app with ssr, the WASM
# client with hydrate).
say "lints"
cargo clippy -p server --all-targets -- -D warnings
cargo clippy -p migration --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

# A private PostgreSQL server for the database tests, removed on exit.
pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
pg_dir=$(mktemp -d /tmp/mailconnect-pg.XXXXXX)
pg_port=${TEST_POSTGRES_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$pg_dir"
  as_pg=(runuser -u postgres --)
fi
stop_pg() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_pg EXIT
trap 'exit 130' INT TERM
say "starting a throwaway PostgreSQL on port $pg_port"
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
export MAILCONNECT_REQUIRE_POSTGRES=1

say "cargo tests"
cargo test -p server
cargo test -p app --features ssr
cargo test -p migration

say "building the site"
cargo leptos build

say "Playwright end-to-end tests"
(cd end2end && npx playwright test)
