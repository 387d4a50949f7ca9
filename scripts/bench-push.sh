#!/usr/bin/env bash
# Measures push (BENCHMARKS.md) with the end-to-end suite's servers and fakes: an alert's way
# from the fake Gmail to an open page, 200 times; lost deliveries; calls for a quiet mailbox.
# Run it after `scripts/test.sh` (which installs the tools and builds the site).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-site.sh --server-built
cd end2end && npx playwright test --config bench.config.ts --reporter=list "$@"
