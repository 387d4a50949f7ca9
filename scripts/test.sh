#!/usr/bin/env bash
# Runs every test: formatting, the dependency policy, lints, the cargo tests (on a SQLite file and
# on a throwaway PostgreSQL server) and the Playwright end-to-end tests in Debian's Chromium.
# Installs what is missing. Each step prints the seconds since the start.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> [%ss] %s\033[0m\n' "$SECONDS" "$*"; }

scripts/install.sh --test

say "checking formatting"
cargo fmt --all -- --check

say "checking dependencies: licenses, bans, sources (and advisories when reachable)"
scripts/deny.sh

# Lints as the tests build: clippy-driver stands in for rustc on this workspace's own crates (as
# `cargo clippy` arranges it) but builds them in full, so every dependency compiles once, for the
# lints and the tests alike. Any warning fails the build (clippy's `-D warnings`, in the form
# `cargo clippy` passes it). The WASM client (app with `hydrate`) is linted as the site builds.
export RUSTC_WORKSPACE_WRAPPER
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

# The server with `app/ssr`, the migrations, every test and benchmark target; never ssr and
# hydrate together.
PACKAGES=(-p server -p app -p migration)
say "building and linting the server, its tests and benchmarks"
cargo test "${PACKAGES[@]}" --all-targets --no-run

# A private PostgreSQL server for the database tests, removed on exit.
source scripts/pg.sh
say "starting a throwaway PostgreSQL"
start_pg
export TEST_POSTGRES_URL="$PG_URL"
export MAILCONNECT_REQUIRE_POSTGRES=1

# Most tests wait on timers, sockets and their databases rather than on the CPU: twelve at once
# keep both cores busy. The crates have no documentation tests, and rustdoc took 5 s to find
# none, so the libraries', binaries' and test targets' tests run (a doc test would need `--doc`).
say "cargo tests"
cargo test "${PACKAGES[@]}" --lib --bins --tests -- --test-threads=12

say "building and linting the site"
scripts/build-site.sh --server-built

say "the fake Google's self-test"
(cd end2end && node --test-reporter=dot fake-google/selftest.mjs)

say "Playwright end-to-end tests"
(cd end2end && npx playwright test)
say "done"
