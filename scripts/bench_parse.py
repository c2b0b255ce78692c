#!/usr/bin/env python
"""Benchmark: parse the whole shared corpus and report documents, questions, links and time.

    .venv/bin/python scripts/bench_parse.py [DATA_DIR] [--json]

A benchmark, not a test: the parser must stay well under 60 s for the corpus
(leiden, tweedekamer-2024, dekamer-2017; the FAQ export is not a council
document file and is skipped by the folder rule).
"""
from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp_service.config import Settings  # noqa: E402
from nlp_service.parsing import iter_documents  # noqa: E402


def bench(data_dir: Path) -> dict:
    errors: list[str] = []
    per_source: dict[str, Counter] = {}
    started = time.perf_counter()
    for document in iter_documents([data_dir], on_error=lambda path, exc: errors.append(str(exc))):
        counts = per_source.setdefault(document.source, Counter())
        counts["documents"] += 1
        counts["questions"] += len(document.questions)
        counts["linked"] += sum(q.answer is not None for q in document.questions)
        counts["with_warnings"] += bool(document.warnings)
    seconds = time.perf_counter() - started
    total = sum(per_source.values(), Counter())
    return {
        "data_dir": str(data_dir),
        "seconds": round(seconds, 2),
        "documents": total["documents"],
        "questions": total["questions"],
        "linked_questions": total["linked"],
        "documents_with_warnings": total["with_warnings"],
        "errors": errors,
        "per_source": {source: dict(counts) for source, counts in sorted(per_source.items())},
    }


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    report = bench(Path(args[0]) if args else Settings().data_dir)
    if "--json" in argv:
        print(json.dumps(report, indent=1))
    else:
        print(f"parsed {report['documents']} documents, {report['questions']} questions, "
              f"{report['linked_questions']} linked to an answer, in {report['seconds']} s")
        for source, counts in report["per_source"].items():
            print(f"  {source}: {counts}")
        for error in report["errors"]:
            print(f"  error: {error}")
    return 0 if report["seconds"] < 60 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
