#!/usr/bin/env bash
# Sets up everything, loads the demo corpus once (lexically searchable first; the server embeds
# it in the background while the page is already usable), and serves http://127.0.0.1:8000
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
NLP="$ROOT/.venv/bin/nlp-service"
DATA="${NLP_SERVICE_DATA:-$ROOT/../shared/data}"
if [ ! -d "$DATA" ]; then
  echo "error: demo data not found at $DATA (set NLP_SERVICE_DATA to the shared/data folder)" >&2
  exit 1
fi
if ! "$NLP" stats --quiet >/dev/null 2>&1; then
  echo "==> loading the demo corpus from $DATA (first time only)"
  "$NLP" ingest --demo --no-embed "$DATA"  # searchable in about a minute; serve embeds the rest
fi
exec "$NLP" serve --host "${NLP_SERVICE_HOST:-127.0.0.1}" --port "${NLP_SERVICE_PORT:-8000}"
