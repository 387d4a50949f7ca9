#!/usr/bin/env bash
# The account list, the /connections page and /transactions with 20,000 transactions under load
# (end2end/bench/web.mjs): the release server on a temp SQLite file, then on a throwaway
# PostgreSQL, 5 accounts connected through the fake Google, `wrk -t2 -c32 -d15s` against each.
# Prints `name: value` lines per database.
# Not part of the test command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-release.sh
# wrk loads the pages; sqlite3 and curl write and check the transactions.
missing=()
for tool in wrk sqlite3 curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo=sudo; fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
scripts/install.sh --test  # PostgreSQL

echo "database: sqlite"
node end2end/bench/web.mjs

source scripts/pg.sh
start_pg
echo "database: postgres"
BENCH_DATABASE_URL="$PG_URL" node end2end/bench/web.mjs
