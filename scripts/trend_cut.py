"""Choose the trend's relevance cut (nlp_service.trend.RELEVANCE_CUT) on labelled Belgian data.

Queries are Belgian question titles (what a council member types); a question counts as
relevant to a query when it shares the main theme and at least one thesaurus descriptor, or
the title group (the evaluation's precedent labels, without the date limit: a trend looks at
every year). For each cut the matching set (cosine of the title and the question unit >= cut,
best unit per record) is scored against the relevant set. The cut is chosen on the queries of
one hash half and reported on the other.

    PYTHONPATH=. .venv/bin/python scripts/trend_cut.py [--records 400] [--home /tmp/trend-cut]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from nlp_service.config import apply_process_settings, load_settings
from nlp_service.demo import demo_paths
from nlp_service.evaluation import datasets
from nlp_service.fsutil import atomic_write_text
from nlp_service.search import Filters, SearchEngine
from nlp_service.service import Service
from nlp_service.trend import QUESTION_UNITS

CUTS = [round(0.74 + 0.01 * i, 2) for i in range(19)]
CRITERIA = ("cosine alone", "cosine + shared word")
F1_NOISE = 0.005
TK = "tweedekamer-2024"
REPO = Path(__file__).resolve().parent.parent


def half(doc_id: str) -> str:
    return "choose" if int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) % 2 == 0 else "report"


def relevant_sets(records, groups) -> dict[str, set[str]]:
    group_of = {d: g for g in groups for d in g}
    by_theme = defaultdict(list)
    for r in records:
        by_theme[r.theme_main].append(r)
    sets = {}
    for r in records:
        rel = {o.doc_id for o in by_theme[r.theme_main] if o.descriptors & r.descriptors}
        rel |= set(group_of.get(r.doc_id, ())) & {x.doc_id for x in records}
        rel.discard(r.doc_id)
        sets[r.doc_id] = rel
    return sets


def score(per_query: dict[str, dict[str, float]], relevant: dict[str, set[str]], qids, cut: float) -> dict:
    tp = fp = fn = 0
    ratios = []
    for qid in qids:
        found = {d for d, s in per_query[qid].items() if s >= cut}
        rel = relevant[qid]
        tp += len(found & rel)
        fp += len(found - rel)
        fn += len(rel - found)
        if rel:
            ratios.append(len(found) / len(rel))
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"cut": cut, "precision": round(p, 3), "recall": round(r, 3), "f1": round(f1, 3),
            "matched": tp + fp, "relevant": tp + fn, "median_count_ratio": round(float(np.median(ratios)), 3)}


def foreign_matches(engine: SearchEngine, records, shared_word: bool, cut: float) -> float:
    """Mean number of Tweede Kamer questions (Oct-Nov 2024) matching a Belgian title (2017): mostly
    subjects that collection does not treat (NMBS, Belgian ministries), so fewer is better."""
    allowed = engine.allowed_units(Filters(source=TK, kinds=QUESTION_UNITS))
    counts = []
    for r in records:
        scored = engine.retrieve("dense", r.title, len(allowed), allowed)
        words = {uid for uid, _ in engine.retrieve("lexical", r.title, len(allowed), allowed)}
        counts.append(sum(1 for uid, s in scored if s >= cut and (uid in words or not shared_word)))
    return round(float(np.mean(counts)), 2)


def per_query_scores(engine: SearchEngine, records) -> tuple[dict, dict]:
    """Per query: best cosine per Belgian record; and the same keeping only records whose question
    unit shares a content word with the query (BM25 finds it)."""
    store = engine.store
    allowed = engine.allowed_units(Filters(source=datasets.DEKAMER, kinds=QUESTION_UNITS))
    units = store.get_units(allowed)
    docs = store.get_documents({u.document_id for u in units.values()})
    external = {uid: docs[u.document_id].document.external_id for uid, u in units.items()}
    pool = {r.doc_id for r in records}
    dense, shared = {}, {}
    for r in records:
        best: dict[str, float] = {}
        for uid, s in engine.retrieve("dense", r.title, len(allowed), allowed):
            d = external[uid]
            if d in pool and d != r.doc_id:
                best[d] = max(best.get(d, -1.0), s)
        dense[r.doc_id] = best
        words = {external[uid] for uid, _ in engine.retrieve("lexical", r.title, len(allowed), allowed)}
        shared[r.doc_id] = {d: s for d, s in best.items() if d in words}
    return dense, shared


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--home", type=Path, default=Path("/tmp/trend-cut"))
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    args = parser.parse_args()
    cache = REPO / "tests" / "output" / "embeddings.sqlite"  # shared with the test index
    settings = load_settings(home=args.home, cache_file=str(cache))
    apply_process_settings(settings)
    service = Service(settings)
    data = settings.data_dir
    belgian = demo_paths(data, args.home / "work", belgian_records=args.records)[-1]
    report = service.ingest_paths([belgian, data / TK / "documents.csv"], progress=False)
    print(report.summary(), file=sys.stderr)

    records = [r for r in datasets.load_belgian(data)[: args.records] if r.theme_main]
    relevant = relevant_sets(records, datasets.load_title_groups(data))
    engine = service.engine
    criteria = dict(zip(CRITERIA, per_query_scores(engine, records)))
    choose = [r.doc_id for r in records if half(r.doc_id) == "choose"]
    held = [r.doc_id for r in records if half(r.doc_id) == "report"]
    result = {"records": len(records), "queries": {"choose": len(choose), "report": len(held)},
              "units": report.units, "criteria": {}}
    for name, scores in criteria.items():
        grid = [score(scores, relevant, choose, c) for c in CUTS]
        # the F1 curve is flat near its top: take the most precise cut within noise of the best
        top = max(row["f1"] for row in grid)
        best = max((row for row in grid if row["f1"] >= top - F1_NOISE), key=lambda row: row["cut"])
        result["criteria"][name] = {
            "chosen_cut": best["cut"], "choose_grid": grid,
            "report_grid": [score(scores, relevant, held, c) for c in CUTS],
            "foreign_matches_per_query": foreign_matches(engine, records, name == "cosine + shared word", best["cut"])}
    lines = report_lines(result, args.records)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "trend-cut.json", json.dumps(result, indent=2))
    atomic_write_text(args.out / "trend-cut.md", "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


def report_lines(result: dict, records: int) -> list[str]:
    lines = ["# Trend relevance cut", "",
             f"Made by `scripts/trend_cut.py --records {records}`: the first {records} Belgian records "
             f"({result['records']} with a theme label) and the Tweede Kamer export in one index; Belgian titles as "
             "queries against the Belgian question units (best unit per record). Relevant: the same main theme and "
             "a shared descriptor, or the same title group. Each criterion's cut is chosen on the queries "
             "of one hash half of the doc ids (the highest cut whose F1 is within 0.005 of the best: the curve is "
             "flat near its top, and a higher cut is more precise) and reported on the other half "
             f"({result['queries']['choose']} and {result['queries']['report']} queries).", "",
             "| criterion | cut (chosen) | P (held out) | R (held out) | F1 (held out) | matched/relevant (median) | "
             "Tweede Kamer questions matched per Belgian title (fewer is better) |", "|---|---|---|---|---|---|---|"]
    for name, c in result["criteria"].items():
        row = next(r for r in c["report_grid"] if r["cut"] == c["chosen_cut"])
        lines.append(f"| {name} | {c['chosen_cut']} | {row['precision']} | {row['recall']} | {row['f1']} | "
                     f"{row['median_count_ratio']} | {c['foreign_matches_per_query']} |")
    for name, c in result["criteria"].items():
        lines += ["", f"## {name}", "",
                  "| cut | P (choose) | R (choose) | F1 (choose) | P (held out) | R (held out) | F1 (held out) |",
                  "|---|---|---|---|---|---|---|"]
        for a, b in zip(c["choose_grid"], c["report_grid"]):
            lines.append(f"| {a['cut']} | {a['precision']} | {a['recall']} | {a['f1']} | {b['precision']} | "
                         f"{b['recall']} | {b['f1']} |")
    lines += ["", "The labels are broad (a main theme and one shared descriptor) and a title is narrower, so absolute "
              "precision against them is low: many 'false' matches are questions on the same narrow subject filed "
              "under another theme, many 'misses' other subjects of the same theme."]
    return lines


if __name__ == "__main__":
    sys.exit(main())
