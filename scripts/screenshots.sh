#!/usr/bin/env bash
# Draws the README's pictures of the Transactions page (docs/transactions-en.png and
# docs/transactions-es.png) with the end-to-end suite's servers and fakes. Run it after
# `scripts/test.sh` (which installs the tools and builds the site).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-site.sh --server-built
cd end2end && npx playwright test --config screenshots.config.ts
