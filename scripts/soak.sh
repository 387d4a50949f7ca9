#!/usr/bin/env bash
# The chaos soaks: three server processes on one PostgreSQL, one process killed every 30 s.
#   scripts/soak.sh         the refresher's (server/benches/soak.rs): 10,000 accounts for five
#                           minutes against a failing token endpoint (SOAK_SECS, SOAK_ACCOUNTS);
#   scripts/soak.sh --sync  the sync's (server/benches/sync_soak/): 2,000 mailboxes, half Gmail and
#                           half Outlook, for five minutes, alerts arriving all the time from a
#                           failing Gmail and a failing Graph
#                           (SOAK_SECS, SOAK_MAILBOXES, SOAK_ALERTS_PER_SEC).
# Not part of the test command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh --test  # PostgreSQL is among the test tools

source scripts/pg.sh
# Three instances with their pools, and the soak's own connection.
PG_EXTRA_OPTIONS="-c max_connections=200" start_pg
bench=soak
if [[ "${1:-}" == "--sync" ]]; then bench=sync_soak; fi
SOAK_DATABASE_URL="$PG_URL" cargo bench -p server --bench "$bench"
