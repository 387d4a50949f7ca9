#!/usr/bin/env bash
# Installs what building, running and testing mailconnect needs, skipping whatever is already
# present. Usage: scripts/install.sh [--test] [--leptos]
#   --test    adds Chromium, PostgreSQL and cargo-deny (the test command)
#   --leptos  adds cargo-leptos (release builds and `cargo leptos watch`; the run and test
#             commands build the site without it, see scripts/build-site.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
CARGO_DENY_VERSION=0.20.2
# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, "", $0); print; exit }' Cargo.lock)

say() { printf '\033[1m==> [%ss] %s\033[0m\n' "$SECONDS" "$*"; }
want() { case " $ARGS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
ARGS="$*"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  say "installing Debian packages: $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# cargo-leptos 0.3.11 needs a newer rustc than this toolchain, so the version is pinned.
if want --leptos && [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (a one-time build of several minutes; a debug build takes half the time of a release build and builds the site alike)"
  cargo install cargo-leptos --locked --debug --version "$CARGO_LEPTOS_VERSION"
fi

# scripts/build-site.sh runs it, and cargo-leptos would download it from GitHub; with it on PATH
# it downloads nothing. A debug build installs in about a minute instead of five and still turns
# the development WASM into its JS glue in about 2 s.
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --debug --version "$WASM_BINDGEN_VERSION"
fi

# The fake Google (and Playwright): reinstall only when the lock file changed.
if [ ! -f end2end/node_modules/.package-lock.json ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing npm packages in end2end/"
  (cd end2end && npm ci --no-audit --no-fund)
fi

if want --test; then
  # The dependency policy check (scripts/deny.sh). A debug build installs in about a minute.
  if [ "$(cargo deny --version 2>/dev/null || true)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
    say "installing cargo-deny $CARGO_DENY_VERSION"
    cargo install cargo-deny --locked --debug --version "$CARGO_DENY_VERSION"
  fi
  # Playwright drives Debian's Chromium, in its headless shell; its own browser download
  # cannot work offline.
  [ -x /usr/lib/chromium/chromium-headless-shell ] || apt_install chromium-headless-shell
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql
fi
