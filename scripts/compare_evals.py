#!/usr/bin/env python
"""Compare two evaluation results (before and after a change) query by query.

    .venv/bin/python scripts/compare_evals.py BEFORE.json AFTER.json

Per task and mode: the primary metric before and after, and the paired difference with its 95%
interval over the queries both runs share; "clear" when the interval excludes zero.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp_service.evaluation.metrics import mean, paired_difference  # noqa: E402


def compare(before: dict, after: dict) -> list[dict]:
    rows = []
    for name, task in after["tasks"].items():
        old = before["tasks"].get(name)
        if old is None or "per_query" not in old or "per_query" not in task:
            continue
        shared = [q for q in task["per_query"]["qids"] if q in set(old["per_query"]["qids"])]
        for mode in task["results"]:
            a = dict(zip(old["per_query"]["qids"], old["per_query"][mode]))
            b = dict(zip(task["per_query"]["qids"], task["per_query"][mode]))
            diff, half = paired_difference([b[q] for q in shared], [a[q] for q in shared])
            rows.append({"task": name, "mode": mode, "queries": len(shared), "metric": task["primary"],
                         "before": round(mean([a[q] for q in shared]), 4), "after": round(mean([b[q] for q in shared]), 4),
                         "difference": round(diff, 4), "ci95": round(half, 4), "clear": abs(diff) > half})
    return rows


def main() -> None:
    before, after = (json.loads(Path(p).read_text(encoding="utf-8")) for p in sys.argv[1:3])
    print("| task | mode | queries | metric | before | after | after − before (95% CI) |\n|---|---|---|---|---|---|---|")
    for r in compare(before, after):
        verdict = "**clear**" if r["clear"] else "within noise"
        print(f"| {r['task']} | {r['mode']} | {r['queries']} | {r['metric']} | {r['before']:.3f} | {r['after']:.3f} | "
              f"{r['difference']:+.3f} ± {r['ci95']:.3f}: {verdict} |")


if __name__ == "__main__":
    main()
