#!/usr/bin/env bash
# The whole test suite: type-check, lint (import boundaries included), unit tests, build, e2e in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Chromium is missing: installing Debian's chromium package"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "The e2e tests need Chromium at $chromium. Install it with: sudo apt-get install chromium" >&2
    echo "(or set CHROMIUM_PATH to a Chromium/Chrome binary)" >&2
    exit 1
  fi
fi

mkdir -p test-results
# Everything, then each thread's code with only its own globals: the page without WebWorker or Node types,
# the worker (and what it imports: src/model, src/shared) without the DOM.
echo "== type-check"; npx tsc --noEmit -p .; npx tsc --noEmit -p tsconfig.page.json; npx tsc --noEmit -p tsconfig.worker.json
echo "== lint and format"; npx eslint .; npx prettier --check . >/dev/null
echo "== unit tests"; npx vitest run ${CI:+--reporter=default --reporter=json --outputFile=test-results/unit.json}
echo "== build"; npm run build --silent
echo "== e2e (Chromium)"; npx playwright test
