#!/usr/bin/env bash
# The demo shop on the shipped model: installs the packages on a fresh clone, builds the SDK, serves the demo
# (arguments go to scripts/serve.ts, e.g. `npm run demo -- --port 8080`).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x node_modules/.bin/vite ] || { echo "== installing the packages (npm ci)"; npm ci --no-audit --no-fund; }
npm run build --silent
exec npx tsx scripts/serve.ts "$@"
