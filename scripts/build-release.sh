#!/usr/bin/env bash
# A release build from a fresh clone, in one command: target/release/server (with
# target/release/hash.txt beside it) and target/site/, whose client files are named by their
# content hash and precompressed with brotli and gzip. Then reports the client's size against
# its budget (scripts/size.sh; over budget is a warning here, not a failed build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh --leptos

# Release builds run wasm-opt. Debian's binaryen (108) produces a client that fails at
# hydration, and cargo-leptos would try to download one; npm's binaryen 132 is used instead,
# installed once into a project-local folder.
BINARYEN_VERSION=132
BINARYEN_DIR=.tools/binaryen
if [ "$("$BINARYEN_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | awk '{print $3}')" != "$BINARYEN_VERSION" ]; then
  printf '\033[1m==> %s\033[0m\n' "installing binaryen $BINARYEN_VERSION from npm into $BINARYEN_DIR"
  mkdir -p "$BINARYEN_DIR"
  npm install --prefix "$BINARYEN_DIR" --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
fi

PATH="$PWD/$BINARYEN_DIR/node_modules/.bin:$PATH" LEPTOS_HASH_FILES=true \
  cargo leptos build --release --precompress
scripts/size.sh || printf '\033[1;33mwarning:\033[0m %s\n' "the client is over its size budget"
