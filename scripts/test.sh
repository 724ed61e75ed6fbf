#!/usr/bin/env bash
# The one test command: sets up from scratch, then runs every layer (generated-code check,
# build, unit tests, in-process and multi-process cluster tests). Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/need-test-tools.sh

mkdir -p .tmp
report=.tmp/vitest-report.json
rm -f "$report"
status=0
pnpm test --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# A plain closing line with the totals, whatever the reporter printed above it.
node scripts/test-summary.mjs "$report" || true
exit "$status"
