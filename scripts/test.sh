#!/usr/bin/env bash
# Sets up everything (venv, packages, model, headless Chromium) and runs the whole test suite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" dev,tune
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's chromium and chromium-driver for the browser test"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null \
      || { echo "warning: could not install chromium; browser tests will be skipped" >&2
           export SKIP_BROWSER_TESTS=1; }
  else
    echo "warning: chromium/chromedriver missing and not root; browser tests will be skipped" >&2
    export SKIP_BROWSER_TESTS=1
  fi
fi
# axe-core (the accessibility checker the browser tests inject), pinned, into a git-ignored folder
AXE_VERSION=4.14.1
if [ "${SKIP_BROWSER_TESTS:-0}" != 1 ] && [ ! -f "$ROOT/tests/vendor/node_modules/axe-core/axe.min.js" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "==> installing axe-core $AXE_VERSION for the accessibility tests"
    npm install --silent --no-audit --no-fund --prefix "$ROOT/tests/vendor" "axe-core@$AXE_VERSION" >/dev/null \
      || echo "warning: could not install axe-core; the accessibility tests will fail" >&2
  else
    echo "warning: npm missing: the accessibility tests need axe-core (npm install --prefix tests/vendor axe-core@$AXE_VERSION)" >&2
  fi
fi
cd "$ROOT"
exec "$ROOT/.venv/bin/python" -m pytest "$@"
