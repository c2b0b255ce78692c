#!/usr/bin/env python
"""Benchmark: the encoder's ceiling for a cold ingest of an index home's units.

    .venv/bin/python scripts/bench_encoder_ceiling.py [--home indexes/bench-corpus] [--out docs] [--json]

Reads the distinct unit texts of a built home (by default the whole corpus that
``scripts/bench_corpus.py`` leaves behind), counts their tokens, times the encoder
on a sample with the service's threads and with one, profiles it per operator,
and states how far the cold-ingest target (10 min) is from what this model can
do on this machine. Writes ``encoder-ceiling.json`` and ``encoder-ceiling.md``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp_service.benchmarks import ceiling  # noqa: E402
from nlp_service.benchmarks.corpus import TARGET_COLD_S  # noqa: E402
from nlp_service.config import REPO_ROOT, apply_process_settings, load_settings  # noqa: E402
from nlp_service.fsutil import atomic_write_report  # noqa: E402
from nlp_service.store import Store, StoreError  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=REPO_ROOT / "indexes" / "bench-corpus",
                        help="a built index home (default: indexes/bench-corpus)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs", help="folder for encoder-ceiling.{json,md}")
    parser.add_argument("--sample", type=int, default=ceiling.SAMPLE_TEXTS, help="texts to time and profile")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.sample < 1:
        parser.error("--sample must be at least 1")
    settings = load_settings(home=args.home.resolve())
    apply_process_settings(settings)
    try:
        texts = sorted({unit.text for unit in Store(settings.paths.store, create=False).iter_units()})
    except StoreError as exc:
        print(f"error: {exc} (scripts/bench_corpus.py builds the whole corpus there)", file=sys.stderr)
        return 2
    if not texts:
        print(f"error: {settings.paths.store} holds no units", file=sys.stderr)
        return 2
    print(f"-- {len(texts):,} distinct unit texts; timing and profiling {min(args.sample, len(texts))}",
          file=sys.stderr)
    result = ceiling.measure_ceiling(settings.model_dir, texts, settings.threads, TARGET_COLD_S, args.sample)
    report = ceiling.markdown(result)
    atomic_write_report(args.out, "encoder-ceiling", result, report)
    print(json.dumps(result, indent=2) if args.json else report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
