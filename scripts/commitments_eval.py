"""Precision and recall of the commitment rules on the hand-labelled gold sample.

    PYTHONPATH=. .venv/bin/python scripts/commitments_eval.py --split dev [--show]

Sentence level: a predicted sentence is right when the gold marks that sentence. Rules are
tuned on ``--split dev`` only; ``heldout`` is scored once (tests/data/commitments_gold.md).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nlp_service.commitments import extract_sentences

GOLD = Path(__file__).resolve().parent.parent / "tests" / "data" / "commitments_gold.json"


def score(records: list[dict], show: bool = False) -> dict:
    tp = fp = fn = due_right = 0
    for record in records:
        gold = {c["sentence"]: c["due"] for c in record["commitments"]}
        found = {c.index: c for c in extract_sentences(record["sentences"], record.get("reference"))}
        for index, commitment in found.items():
            if index in gold:
                tp += 1
                due_right += (commitment.due.text if commitment.due else None) == gold[index]
            else:
                fp += 1
                if show:
                    print(f"FP [{commitment.rule}] {record['id']} #{index}: {record['sentences'][index][:200]}")
        for index in gold.keys() - found.keys():
            fn += 1
            if show:
                print(f"FN {record['id']} #{index}: {record['sentences'][index][:200]}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"answers": len(records), "gold": tp + fn, "found": tp + fp, "correct": tp,
            "precision": round(precision, 3), "recall": round(recall, 3), "due_phrase_right": due_right}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=["dev", "heldout"], required=True)
    parser.add_argument("--show", action="store_true", help="print the wrong and the missed sentences")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    records = [r for r in json.loads(GOLD.read_text(encoding="utf-8"))["records"] if r["split"] == args.split]
    result = {stratum: score([r for r in records if r["stratum"] == stratum], args.show)
              for stratum in ("random", "cue")}
    result["all"] = score(records)
    print(json.dumps(result, indent=2) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
