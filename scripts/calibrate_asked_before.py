#!/usr/bin/env python
"""Calibrate the dossier's "asked before?" rule.

    nice .venv/bin/python scripts/calibrate_asked_before.py [--home EVAL_HOME] [--out docs] [--features FILE]

1. The logistic over (cosine, overlap), on labelled question pairs
   (nlp_service/evaluation/asked_before.py): encodes their ~1,300 texts once (features are kept
   in --features, so a re-fit costs nothing), fits on the pairs before 2017-04-01 and reports
   precision and recall with 95% Wilson intervals on the later pairs.
2. With --home (an index home built by ``nlp-service eval``: the whole corpus), the rule's two
   conditions, generic pairs and unmatched rare words (nlp_service/evaluation/asked_gates.py):
   every Belgian letter outside the evaluation's window run through the dossier (its labelled
   candidates kept in EVAL_HOME/asked-before-candidates.json), the conditions chosen on the
   letters before 2017-04-01, reported on the later ones.
Writes docs/asked-before.json; the prose is docs/asked-before.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp_service import parsing  # noqa: E402
from nlp_service.config import Settings, apply_process_settings, load_settings  # noqa: E402
from nlp_service.dossier import RULE, AskedBeforeRule, DossierBuilder  # noqa: E402
from nlp_service.embedding import open_encoder  # noqa: E402
from nlp_service.evaluation import asked_before, asked_gates, datasets  # noqa: E402
from nlp_service.evaluation.runner import home_service  # noqa: E402
from nlp_service.fsutil import atomic_write_text  # noqa: E402

CANDIDATES = "asked-before-candidates.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--home", type=Path, help="an index home built by nlp-service eval (the whole corpus)")
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--features", type=Path, default=Path("indexes/asked-before-features.json"))
    args = parser.parse_args()
    settings = load_settings()
    apply_process_settings(settings)
    result = calibrate_pairs(settings, args.features)
    if args.home:
        logistic = result["rules"]["logistic"]
        fitted = AskedBeforeRule(logistic["intercept"], logistic["w_cosine"], logistic["w_overlap"], logistic["threshold"])
        result["conditions"] = calibrate_conditions(settings, args.home, fitted)
    atomic_write_text(args.out / "asked-before.json", json.dumps(result, ensure_ascii=False, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "label_check"}
                     | {"conditions": {k: v for k, v in result.get("conditions", {}).items() if k != "grid"}}, indent=1))


def calibrate_pairs(settings: Settings, features: Path) -> dict:
    data = settings.data_dir
    records = datasets.load_belgian(data)
    groups = datasets.load_title_groups(data)
    documents = {d.external_id: d for d in parsing.iter_documents([data / datasets.DEKAMER_FILE], source=datasets.DEKAMER)}
    documents.update((d.external_id, d) for d in parsing.iter_documents([data / "tweedekamer-2024"], source="tweedekamer-2024"))
    pairs = asked_before.belgian_pairs(records, groups, documents) + asked_before.tk_pairs(data, documents)
    keys = [f"{p.new.external_id}:{p.new_index}|{p.earlier.external_id}:{p.earlier_index}" for p in pairs]
    cached = json.loads(features.read_text(encoding="utf-8")) if features.exists() else {}
    if all(k in cached for k in keys):
        x = np.asarray([cached[k] for k in keys])
    else:
        x = asked_before.features(open_encoder(settings), pairs, settings.max_query_chars)
        features.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(features, json.dumps(dict(zip(keys, x.tolist()))))
    result = asked_before.calibrate(pairs, x)
    result["label_check"] = label_check(pairs, x)
    return result


def calibrate_conditions(settings: Settings, home: Path, logistic: AskedBeforeRule) -> dict:
    service, encoder = home_service(settings, home)
    engine = service.engine
    path = home / CANDIDATES
    if path.exists():
        questions = [asked_gates.AskedQuestion.from_json(row) for row in json.loads(path.read_text(encoding="utf-8"))]
    else:
        letters = asked_gates.calibration_letters(engine, datasets.load_belgian(settings.data_dir))
        questions = asked_gates.dossier_candidates(engine, letters, asked_before.AskedBeforeGold(engine.store))
        encoder.save()
        atomic_write_text(path, json.dumps([q.to_json() for q in questions], ensure_ascii=False))
    idf = DossierBuilder(engine).rarity().idf
    result = asked_gates.calibrate_conditions(questions, idf, logistic)
    shipped = replace(RULE, **{k: getattr(logistic, k) for k in ("intercept", "w_cosine", "w_overlap", "threshold")})
    result["shipped_rule_is_chosen"] = shipped == RULE and result["chosen"] == {k: getattr(RULE, k) for k in asked_gates.GRID}
    return result


def label_check(pairs, x, n: int = 12) -> list[dict]:
    """The positives that look least alike: are they really the same question asked again?"""
    positives = sorted((i for i, p in enumerate(pairs) if p.label == 1), key=lambda i: x[i, 1])[:n]
    return [{"new": f"{pairs[i].new.external_id}#{pairs[i].new_index + 1}", "earlier":
             f"{pairs[i].earlier.external_id}#{pairs[i].earlier_index + 1}", "cosine": round(x[i, 0], 3),
             "overlap": round(x[i, 1], 3), "new_text": pairs[i].new_text[:160], "earlier_text": pairs[i].earlier_text[:160]}
            for i in positives]


if __name__ == "__main__":
    main()
