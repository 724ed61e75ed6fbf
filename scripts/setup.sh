#!/usr/bin/env bash
# Sets a fresh clone up: checks Node, installs pnpm 10 if missing, installs the workspace.
# Used by scripts/test.sh and scripts/dev.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "ringkv needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

if ! pnpm --version 2>/dev/null | grep -q '^10\.'; then
  echo "installing pnpm 10" >&2
  npm install -g pnpm@10
fi

# No prompts: CI has no stdin, and a stale node_modules is simply replaced.
pnpm install --frozen-lockfile --config.confirmModulesPurge=false
