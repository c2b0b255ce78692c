#!/usr/bin/env python
"""Benchmark: warm latency of a letter's dossier with 1, 10 and 20 questions.

    .venv/bin/python scripts/bench_dossier.py [--index-home DIR] [--repeats 5] [--out docs]

Letters are made of stored questions (from different documents, not left out as the
letter's own), so every question finds precedents. The dossier encodes a letter's
questions in one batch; the baseline in the same process is what a user does by
hand: one ordinary search per question (one encoder call each). Target: a 10-question
letter in under 2 s over the whole corpus (`scripts/bench_corpus.py` leaves that index
in indexes/bench-corpus). Writes docs/bench-dossier.{json,md}.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp_service.benchmarks.machine import describe  # noqa: E402
from nlp_service.config import apply_process_settings, load_settings  # noqa: E402
from nlp_service.documents import Document, Question  # noqa: E402
from nlp_service.dossier import DossierBuilder  # noqa: E402
from nlp_service.fsutil import atomic_write_report  # noqa: E402
from nlp_service.search import SearchEngine  # noqa: E402
from nlp_service.service import Service  # noqa: E402

SIZES = (1, 10, 20)
TARGET_10_S = 2.0
#: units of the whole shared corpus (docs/bench-corpus.md)
WHOLE_CORPUS_UNITS = 29_713


def letters(engine: SearchEngine, sizes=SIZES) -> dict[int, Document]:
    """Per size a letter of stored questions, one per document, shortest documents skipped."""
    texts: list[str] = []
    for stored in engine.store.iter_documents():
        questions = [q.text for q in stored.document.questions if 40 <= len(q.text) <= 600]
        if questions:
            texts.append(questions[0])
        if len(texts) >= max(sizes):
            break
    # the encoder keeps no query cache, so letters sharing questions are each encoded afresh
    return {n: Document(source="bench", external_id=f"bench-{n}", title="",
                        questions=[Question(str(i + 1), t) for i, t in enumerate(texts[:n])]) for n in sizes}


def timed(runs: dict, repeats: int) -> dict[str, dict]:
    """Each run warm once, then ``repeats`` rounds, the runs interleaved within a round so
    that a change in the machine's load touches both alike."""
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        run()  # warm: the model and the index are loaded, the lexical connection opened
    for _ in range(repeats):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - started)
    return {name: {"median_s": round(statistics.median(s), 3), "max_s": round(max(s), 3)} for name, s in seconds.items()}


def bench(engine: SearchEngine, repeats: int) -> dict:
    builder = DossierBuilder(engine)
    rows = {}
    for n, letter in letters(engine).items():
        found = timed({
            "dossier": lambda: builder.build(letter),
            "one_search_per_question": lambda: [engine.search(engine.make_request(q.text, k=builder.k))
                                                for q in letter.questions],
        }, repeats)
        rows[n] = {"questions": n, **found,
                   "ratio": round(found["dossier"]["median_s"] / found["one_search_per_question"]["median_s"], 3)}
    return rows


def markdown(result: dict) -> str:
    lines = ["# Dossier latency", "",
             f"Index: `{result['index_home']}` ({result['units']} units, {result['documents']} documents); "
             f"{result['repeats']} warm runs per size, median (max). Machine: {result['machine'].get('cpu_model', '?')}, "
             f"{result['machine'].get('usable_cores', '?')} usable cores, load average at start {', '.join(f'{x:.1f}' for x in result['machine'].get('load_average_at_start') or ())}.", "",
             "| questions | dossier (one encoder batch) | one search per question | ratio |", "|---|---|---|---|"]
    for row in result["sizes"].values():
        d, h = row["dossier"], row["one_search_per_question"]
        lines.append(f"| {row['questions']} | {d['median_s']:.3f} s ({d['max_s']:.3f}) | "
                     f"{h['median_s']:.3f} s ({h['max_s']:.3f}) | {row['ratio']:.2f} |")
    ten = result["sizes"].get(10) or result["sizes"].get("10")
    verdict = "met" if ten["dossier"]["median_s"] < TARGET_10_S else "NOT met"
    lines += ["", f"Target: 10 questions under {TARGET_10_S:.0f} s over the whole corpus: {verdict} on this index"
              + ("." if result["units"] >= WHOLE_CORPUS_UNITS else
                 f", which is smaller than the whole corpus (~{WHOLE_CORPUS_UNITS:,} units): measure there with "
                 "`--index-home indexes/bench-corpus` (built by scripts/bench_corpus.py).")]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--index-home", type=Path, help="index home to query (default: the configured home)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args()
    settings = load_settings(home=args.index_home)
    apply_process_settings(settings)
    service = Service(settings)
    if not service.home.store.exists():
        sys.exit(f"Error: no index in {settings.home}")
    service.warm_up()
    engine = service.engine
    counts = service.store.counts()
    result = {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "index_home": str(settings.home),
              "units": counts["units"], "documents": counts["documents"], "repeats": args.repeats,
              "machine": describe(), "sizes": bench(engine, args.repeats)}
    atomic_write_report(args.out, "bench-dossier", result, markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
