#!/usr/bin/env python
"""The judged task alone, fast: the service's three modes and the per-letter reference baseline
on tests/data/judged, over an evaluation home that holds the full corpus (what `nlp-service eval`
builds), with compound parts in the lexical analyzer or without (the home's index must have been
built the same way: scripts/eval_decompound.py).

    PYTHONPATH=. .venv/bin/python scripts/eval_judged.py --home HOME --out judged.json [--no-compound-parts]

Use it after re-judging (scripts/judged_pool.py --qrels) to rescore without rerunning every task;
compare two outputs with scripts/compare_evals.py.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp_service import nlp  # noqa: E402
from nlp_service.config import load_settings  # noqa: E402
from nlp_service.evaluation import judged  # noqa: E402
from nlp_service.evaluation.runner import DEPTH, home_service, reference_baseline, retrieve  # noqa: E402
from nlp_service.evaluation.scoring import mode_runs, task_results  # noqa: E402
from nlp_service.fsutil import atomic_write_text  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-compound-parts", action="store_true")
    args = parser.parse_args()
    nlp.COMPOUND_PARTS = not args.no_compound_parts
    settings = load_settings()
    service, encoder = home_service(settings, args.home)
    service.require_store()
    task = judged.judged_task(settings.max_query_chars)
    encoder.prime([q.text for q in task.queries])
    retrieved = {task.name: retrieve(service.engine, task, DEPTH, settings.threads, judged.council_key)}
    result = task_results(service.engine, task, retrieved[task.name], settings.candidates)
    result["judged"] = judged.breakdown(task, mode_runs(service.engine, task, retrieved[task.name]), judged.read_qrels())
    out = {"compound_parts": nlp.COMPOUND_PARTS, "tasks": {task.name: result},
           "reference": reference_baseline(service, encoder, [task], retrieved, DEPTH)}
    atomic_write_text(args.out, json.dumps(out, ensure_ascii=False, indent=2))
    print(json.dumps({m: v for m, v in result["judged"].items()}, indent=1))


if __name__ == "__main__":
    main()
