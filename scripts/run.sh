#!/usr/bin/env bash
# Builds and serves mailconnect at http://127.0.0.1:3000 on the embedded SQLite database.
# With no GOOGLE_CLIENT_ID configured it also starts the fake Google from end2end/, and with no
# MICROSOFT_CLIENT_ID the fake Microsoft, so a newcomer can connect a (fake) Gmail or Outlook
# account with nothing configured; their mailboxes hold sample bank alerts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh

scripts/build-site.sh

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

if [ -z "${GOOGLE_CLIENT_ID:-}" ] && ! grep -qs '^GOOGLE_CLIENT_ID=.' .env; then
  # Every fake mailbox starts with sample bank alerts, so the first sync of a newly connected
  # account (queued when it connects) finds transactions to show.
  FAKE_GOOGLE_SEED_ALERTS=1 node end2end/fake-google/server.mjs &
  pids+=($!)
fi

if [ -z "${MICROSOFT_CLIENT_ID:-}" ] && ! grep -qs '^MICROSOFT_CLIENT_ID=.' .env; then
  FAKE_MICROSOFT_SEED_ALERTS=1 node end2end/fake-microsoft/server.mjs &
  pids+=($!)
fi

# --demo fills in only what is not configured: a development token key under data/ and the
# fakes' endpoints.
target/debug/server --demo serve &
pids+=($!)
wait "${pids[-1]}"
