#!/usr/bin/env bash
# Reproduces the council-tuned encoder from a fresh clone (README, "Tuning the encoder"): installs
# the `tune` extra, stores the Belgian letters (lexically only: tuning reads the store, not an
# index) and tunes multilingual-e5-small on their question-answer pairs before 2017-05-01, into
# models/multilingual-e5-small-council-20170501, writing docs/tuning.{md,json} and docs/tuning-loss.png.
# Extra arguments go to `nlp-service model tune` (e.g. --resume after an interruption).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" tune
DATA="${NLP_SERVICE_DATA:-$ROOT/../shared/data}"
CORPUS="$ROOT/indexes/tune-corpus"
# idempotent: a second run finds every letter unchanged
"$ROOT/.venv/bin/nlp-service" --home "$CORPUS" ingest -q --no-embed --source dekamer-2017 \
  "$DATA/dekamer-2017/questions.jsonl"
exec nice -n 10 "$ROOT/.venv/bin/nlp-service" --home "$CORPUS" model tune \
  --cutoff 2017-05-01 --max-pairs 1024 --max-minutes 30 "$@"
