#!/usr/bin/env python
"""Calibrate the dossier's "asked before?" rule on labelled question pairs.

    nice .venv/bin/python scripts/calibrate_asked_before.py [--out docs] [--features FILE]

Builds the pairs (nlp_service/evaluation/asked_before.py), encodes their ~1,300 texts
once (features are kept in --features, so a re-fit costs nothing), fits three rules on
the pairs before 2017-04-01 and reports precision and recall with 95% Wilson intervals
on the later pairs (Belgian April-June 2017 and the Tweede Kamer 2024 cases).
Writes docs/asked-before.json; the prose is docs/asked-before.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp_service import parsing  # noqa: E402
from nlp_service.config import apply_process_settings, load_settings  # noqa: E402
from nlp_service.embedding import open_encoder  # noqa: E402
from nlp_service.evaluation import asked_before, datasets  # noqa: E402
from nlp_service.fsutil import atomic_write_text  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--features", type=Path, default=Path("indexes/asked-before-features.json"))
    args = parser.parse_args()
    settings = load_settings()
    apply_process_settings(settings)
    data = settings.data_dir
    records = datasets.load_belgian(data)
    groups = datasets.load_title_groups(data)
    documents = {d.external_id: d for d in parsing.iter_documents([data / datasets.DEKAMER_FILE], source=datasets.DEKAMER)}
    documents.update((d.external_id, d) for d in parsing.iter_documents([data / "tweedekamer-2024"], source="tweedekamer-2024"))
    pairs = asked_before.belgian_pairs(records, groups, documents) + asked_before.tk_pairs(data, documents)
    keys = [f"{p.new.external_id}:{p.new_index}|{p.earlier.external_id}:{p.earlier_index}" for p in pairs]
    cached = json.loads(args.features.read_text(encoding="utf-8")) if args.features.exists() else {}
    if all(k in cached for k in keys):
        x = np.asarray([cached[k] for k in keys])
    else:
        x = asked_before.features(open_encoder(settings), pairs, settings.max_query_chars)
        args.features.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(args.features, json.dumps(dict(zip(keys, x.tolist()))))
    result = asked_before.calibrate(pairs, x)
    result["label_check"] = label_check(pairs, x)
    atomic_write_text(args.out / "asked-before.json", json.dumps(result, ensure_ascii=False, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "label_check"}, indent=1))
    for row in result["label_check"]:
        print(row)


def label_check(pairs, x, n: int = 12) -> list[dict]:
    """The positives that look least alike: are they really the same question asked again?"""
    positives = sorted((i for i, p in enumerate(pairs) if p.label == 1), key=lambda i: x[i, 1])[:n]
    return [{"new": f"{pairs[i].new.external_id}#{pairs[i].new_index + 1}", "earlier":
             f"{pairs[i].earlier.external_id}#{pairs[i].earlier_index + 1}", "cosine": round(x[i, 0], 3),
             "overlap": round(x[i, 1], 3), "new_text": pairs[i].new_text[:160], "earlier_text": pairs[i].earlier_text[:160]}
            for i in positives]


if __name__ == "__main__":
    main()
