#!/usr/bin/env bash
# Runs every test: formatting, lints per feature set, the cargo tests (on a SQLite file and on a
# throwaway PostgreSQL server) and the Playwright end-to-end tests in Debian's Chromium.
# Installs what is missing. Each step prints the seconds since the start.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> [%ss] %s\033[0m\n' "$SECONDS" "$*"; }

scripts/install.sh --test

say "checking formatting"
cargo fmt --all -- --check

# Per feature set, never ssr and hydrate together (the server builds app with ssr, the WASM
# client with hydrate).
say "lints"
cargo clippy -p server --all-targets -- -D warnings
cargo clippy -p migration --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

# A private PostgreSQL server for the database tests, removed on exit.
source scripts/pg.sh
say "starting a throwaway PostgreSQL"
start_pg
export TEST_POSTGRES_URL="$PG_URL"
export MAILCONNECT_REQUIRE_POSTGRES=1

say "cargo tests"
cargo test -p server
cargo test -p app --features ssr
cargo test -p migration

say "building the site"
scripts/build-site.sh

say "Playwright end-to-end tests"
(cd end2end && npx playwright test)
say "done"
