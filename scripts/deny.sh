#!/usr/bin/env bash
# The dependency policy in deny.toml: licenses, bans (no crate twice, no wildcard versions) and
# sources. Then security advisories, which need the RustSec database from GitHub: checked when
# it can be fetched, otherwise skipped, saying so. Part of the test command.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo deny --log-level error check licenses bans sources

if cargo deny --log-level error fetch db >/dev/null 2>&1; then
  cargo deny --log-level error --offline check advisories
else
  echo "advisories: SKIPPED, the RustSec database (github.com/RustSec/advisory-db) cannot be fetched from here"
fi
