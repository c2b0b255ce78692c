#!/usr/bin/env bash
# Creates or reuses .venv, installs the project when pyproject.toml changed,
# and builds the embedding model when models/ lacks it. Sourced by demo.sh and test.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXTRAS="${1:-}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"' \
  || { echo "error: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2; exit 1; }

if [ ! -x "$ROOT/.venv/bin/python" ]; then
  echo "==> creating virtual environment .venv"
  "$PY" -m venv "$ROOT/.venv"
fi
STAMP="$ROOT/.venv/.nlp_service-installed"
WANT="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)${EXTRAS:+-$EXTRAS}"
if [ ! -f "$STAMP" ] || ! grep -qx -- "$WANT" "$STAMP"; then
  echo "==> installing nlp_service${EXTRAS:+[$EXTRAS]} into .venv (first time: a few minutes)"
  "$ROOT/.venv/bin/pip" install --quiet --disable-pip-version-check \
    -e "$ROOT${EXTRAS:+[$EXTRAS]}"
  echo "$WANT" > "$STAMP"
fi
"$ROOT/.venv/bin/nlp-service" model build --if-missing
