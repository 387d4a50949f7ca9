#!/usr/bin/env bash
# The client's download size: the built WASM and JS in target/site/pkg, gzipped (-9), in KB.
# Prints `wasm_gzip_kb` and `js_gzip_kb` and fails when together they pass the budget.
# Meaningful after a release build (scripts/build-release.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET_KB=${SIZE_BUDGET_KB:-150}
PKG=target/site/pkg

gzip_kb() { # the gzipped size of the one file matching $1, in KB with one decimal
  local files=("$PKG"/$1)
  if [ "${#files[@]}" -ne 1 ] || [ ! -f "${files[0]}" ]; then
    echo "size.sh: expected one $PKG/$1, found: ${files[*]}" >&2
    exit 1
  fi
  gzip -9 -c "${files[0]}" | wc -c | awk '{ printf "%.1f", $1 / 1024 }'
}

wasm=$(gzip_kb 'mailconnect*.wasm')
js=$(gzip_kb 'mailconnect*.js')
echo "wasm_gzip_kb: $wasm"
echo "js_gzip_kb: $js"
if awk -v w="$wasm" -v j="$js" -v b="$BUDGET_KB" 'BEGIN { exit !(w + j > b) }'; then
  echo "size.sh: the client is $(awk -v w="$wasm" -v j="$js" 'BEGIN { print w + j }') KB gzipped, over the $BUDGET_KB KB budget" >&2
  exit 1
fi
