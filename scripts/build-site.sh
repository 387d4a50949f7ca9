#!/usr/bin/env bash
# Builds the development site: the server (target/debug/server) and, in target/site, the WASM
# client with its JS glue, the stylesheet and public/, laid out as `cargo leptos build` lays
# them out. The run and test commands use this rather than cargo-leptos, for two reasons:
# cargo-leptos takes minutes to install on a fresh machine, and its debug builds add
# `--cfg erase_components` to RUSTFLAGS, which compiles every server dependency a second time
# beside the test build's. Release builds (scripts/build-release.sh) and `cargo leptos watch` use
# cargo-leptos.
#
# `--server-built`: target/debug/server is the one the test build just made (its integration
# tests run it), so only the client is built.
set -euo pipefail
cd "$(dirname "$0")/.."

# The bundle name the server was compiled with (.cargo/config.toml).
NAME=$(awk -F'"' '/^LEPTOS_OUTPUT_NAME/ { print $2 }' .cargo/config.toml)
SITE=target/site
PKG=$SITE/pkg

if [[ "${1:-}" != "--server-built" ]]; then
  cargo build -p server
fi
# The client in the `wasm-dev` profile (Cargo.toml): lightly optimized, so pages hydrate quickly.
cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-dev

rm -rf "$PKG"
mkdir -p "$PKG"
wasm-bindgen --target web --no-typescript --out-dir "$PKG" --out-name "$NAME" \
  target/wasm32-unknown-unknown/wasm-dev/frontend.wasm
# The page asks for <name>.wasm, as cargo-leptos names it.
mv "$PKG/${NAME}_bg.wasm" "$PKG/$NAME.wasm"
cp style/main.css "$PKG/$NAME.css"
cp -R public/. "$SITE/"
echo "built the site in $SITE and the server in target/debug/server"
