#!/usr/bin/env bash
# The chaos soak (server/benches/soak.rs): three server processes on one PostgreSQL with 10,000
# accounts for five minutes, against a failing token endpoint, one process killed every 30 s.
# Not part of the test command. SOAK_SECS and SOAK_ACCOUNTS shorten it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh --test  # PostgreSQL is among the test tools

source scripts/pg.sh
# Three instances with their pools, and the soak's own connection.
PG_EXTRA_OPTIONS="-c max_connections=200" start_pg
SOAK_DATABASE_URL="$PG_URL" cargo bench -p server --bench soak
