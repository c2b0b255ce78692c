#!/usr/bin/env python
"""Measure decompounding: `nlp-service eval` with compound parts in the lexical terms (index and
query side alike, nlp.COMPOUND_PARTS) or without, on an evaluation home of its own.

    PYTHONPATH=. .venv/bin/python scripts/eval_decompound.py --home COPY --out DIR [--quick] [--parts]

Give a copy of an evaluation home (the embedding cache makes the dense side free): the lexical
index is rebuilt whenever the home's terms were made the other way (``analysis.json`` in the
home records which). The figures go to DIR/evaluation[-quick].{json,md,png}; docs/judged.md
quotes them.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp_service import nlp  # noqa: E402
from nlp_service.config import load_settings  # noqa: E402
from nlp_service.evaluation.homes import with_home  # noqa: E402
from nlp_service.evaluation.report import write_outputs  # noqa: E402
from nlp_service.evaluation.runner import EvalOptions, run_evaluation  # noqa: E402
from nlp_service.fsutil import atomic_write_text  # noqa: E402
from nlp_service.service import Service  # noqa: E402

ANALYSIS = "analysis.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--parts", action="store_true", help="index compound parts beside the whole word")
    args = parser.parse_args()
    nlp.COMPOUND_PARTS = args.parts
    settings = load_settings()
    marker, wanted = args.home / ANALYSIS, {"compound_parts": args.parts}
    recorded = json.loads(marker.read_text()) if marker.exists() else {"compound_parts": False}
    if recorded != wanted and (args.home / "store.sqlite").exists():
        print(f"rebuilding the lexical index with compound parts {args.parts}", flush=True)
        Service(with_home(settings, args.home, cache=settings.cache_path)).reindex()
    atomic_write_text(marker, json.dumps(wanted))
    result = run_evaluation(settings, EvalOptions(home=args.home, quick=args.quick), lambda m: print(m, flush=True))
    result["compound_parts"] = args.parts
    paths = write_outputs(result, args.out)
    print(f"-> {paths['markdown']}")


if __name__ == "__main__":
    main()
