#!/usr/bin/env bash
# The whole test suite: type-check, lint (import boundaries included), unit tests, build, e2e in Chromium, Firefox and WebKit.
set -euo pipefail
cd "$(dirname "$0")/.."

# A fresh clone: the packages first (package-lock.json, from the npm registry only).
[ -x node_modules/.bin/vitest ] || { echo "== installing the packages (npm ci)"; npm ci --no-audit --no-fund; }

# The e2e suite runs in three engines, each from Debian's packages: Chromium, Firefox ESR (WebDriver BiDi) and
# WebKitGTK's MiniBrowser (WebKitWebDriver, under Xvfb). Missing ones are installed when we can (root on Debian).
missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
[ -x "${FIREFOX_PATH:-/usr/bin/firefox-esr}" ] || missing+=(firefox-esr)
[ -x "${WEBKIT_DRIVER_PATH:-/usr/bin/WebKitWebDriver}" ] || missing+=(webkit2gtk-driver)
[ -x "${XVFB_PATH:-/usr/bin/Xvfb}" ] || missing+=(xvfb)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's ${missing[*]} for the e2e tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The e2e tests need Debian's ${missing[*]}. Install with: sudo apt-get install ${missing[*]}" >&2
    echo "(or point CHROMIUM_PATH, FIREFOX_PATH, WEBKIT_DRIVER_PATH, MINIBROWSER_PATH, XVFB_PATH at your own)" >&2
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
echo "== e2e (Chromium, Firefox, WebKit)"; e2e=0; npx playwright test || e2e=$?
# From what the engines' passing specs measured, also when another spec failed.
echo "== browser support table (README, reports/browsers.json)"; npx tsx scripts/browser-support.ts >/dev/null
exit "$e2e"
