#!/usr/bin/env python
"""Benchmark: the whole shared corpus from scratch, an unchanged reindex, warm latency.

    .venv/bin/python scripts/bench_corpus.py [--home DIR] [--out docs] [--requests 200] [--json]

Ingests leiden, tweedekamer-2024 and dekamer-2017 into an emptied home with an
empty embedding cache of its own (cold), reindexes with nothing changed (every
vector from the cache), then measures search latency through the Python API
for lexical, dense and hybrid, with typed (title) and pasted (whole question)
queries. Writes ``bench-corpus.json`` and ``bench-corpus.md`` to ``--out``.
The index built stays in ``--home`` (default ``indexes/bench-corpus``) for
``nlp-service bench --index-home`` and ``scripts/load_test.py``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp_service.benchmarks.corpus import CorpusBenchError, CorpusBenchOptions, markdown, run_corpus_bench  # noqa: E402
from nlp_service.config import REPO_ROOT, apply_process_settings, load_settings  # noqa: E402
from nlp_service.embedding import open_encoder  # noqa: E402
from nlp_service.fsutil import atomic_write_report  # noqa: E402
from nlp_service.home import Home  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=REPO_ROOT / "indexes" / "bench-corpus",
                        help="emptied, then holds the index built (default: indexes/bench-corpus)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs", help="folder for bench-corpus.{json,md}")
    parser.add_argument("--requests", type=int, default=200, help="typed queries per mode (pasted: a sixth)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    home = args.home.resolve()
    settings = load_settings(home=home, cache_file=str(Home(home).default_cache))
    apply_process_settings(settings)
    options = CorpusBenchOptions(home=home, requests={"title": args.requests,
                                                      "pasted": max(1, args.requests // 6)})
    try:
        result = run_corpus_bench(settings, open_encoder(settings), options,
                                  log=lambda msg: print(f"-- {msg}", file=sys.stderr), progress=True)
    except CorpusBenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    atomic_write_report(args.out, "bench-corpus", result, markdown(result))
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
