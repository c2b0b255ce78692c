#!/usr/bin/env python
"""Pool the judged queries for judging: the union of the top 20 letters of lexical, dense and
hybrid per query (its own letter left out), with the text a judge reads.

    PYTHONPATH=. .venv/bin/python scripts/judged_pool.py --home HOME --out pool.json [--qrels tests/data/judged/qrels.json]

HOME is an evaluation home of the full corpus (`nlp-service eval` builds it, Belgian records,
FAQ, Tweede Kamer and Leiden); it is read, never written. With --qrels, only the pooled letters
not judged yet are written (a re-pool after a change to ranking). See tests/data/judged/GUIDELINE.md.
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
from nlp_service.evaluation.runner import DEPTH, home_service, retrieve  # noqa: E402
from nlp_service.evaluation.scoring import mode_runs  # noqa: E402
from nlp_service.service import Service  # noqa: E402

SNIPPET = 600  # characters of each question a judge reads; the title and every question are shown


def letter_text(service: Service, key: str) -> dict:
    source, external_id = key.split(":", 1)
    doc_id, _ = service.store.find_document(source, external_id)
    document = service.store.get_document(doc_id).document
    return {"title": document.title, "date": document.submitted, "intro": (document.intro or "")[:SNIPPET],
            "questions": [{"q": q.text[:SNIPPET], "a": (q.answer or "")[:SNIPPET // 2]} for q in document.questions][:8]}


def best_rank(query, rankings) -> dict[str, int]:
    """Each letter's best rank over the modes (1 = first), its own letter left out: the depth a
    round covers when there is no time to judge to 20 (which mode ranked it is not shown to the judge)."""
    best: dict[str, int] = {}
    for ranked in rankings:
        for rank, key in enumerate((d for d in ranked if d not in query.exclude), 1):
            best[key] = min(rank, best.get(key, rank))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--qrels", type=Path)
    parser.add_argument("--no-compound-parts", action="store_true",
                        help="the lexical analyzer without compound parts (the pool of main before #18)")
    args = parser.parse_args()
    nlp.COMPOUND_PARTS = not args.no_compound_parts
    settings = load_settings()
    # the query vectors the evaluation scored with (its home's cache, read only: encode_queries never
    # saves): a fresh encode in other batches moves near-tied dense results (58 of round 3's
    # top-20 places, one in a top 10, differed when this script encoded afresh)
    service, _ = home_service(settings, args.home)
    service.require_store()
    task = judged.judged_task(settings.max_query_chars, qrels={})
    retrieved = retrieve(service.engine, task, DEPTH, settings.threads, judged.council_key)
    runs = mode_runs(service.engine, task, retrieved)
    pools = judged.pool(task.queries, runs)
    done = judged.read_qrels(args.qrels) if args.qrels else {}
    out = []
    for i, (query, pooled) in enumerate(zip(task.queries, pools)):
        todo = [key for key in pooled if key not in done.get(query.qid, {})]
        rank = best_rank(query, [ranked[i] for ranked in runs.values()])
        out.append({"qid": query.qid, "kind": query.kind, "text": query.text, "pooled": len(pooled),
                    "letters": [{"key": key, "rank": rank[key], **letter_text(service, key)} for key in todo]})
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1))
    print(f"{len(out)} queries, {sum(len(q['letters']) for q in out)} letters to judge -> {args.out}")


if __name__ == "__main__":
    main()
