#!/usr/bin/env bash
# Sets up from scratch, builds, and starts a local cluster in the foreground:
#   bash scripts/dev.sh [--shards 3] [--data-dir ./data] [--port 7400]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
pnpm run build
exec pnpm exec ringkv dev "$@"
