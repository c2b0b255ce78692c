"""The judged precedent-search collection: queries written or pasted as a griffie member
would, each pooled result judged 0/1/2 by reading it (``tests/data/judged/GUIDELINE.md``).

Unlike the label-based tasks, relevance here was decided by a reader, per letter
(a document of the store: a Belgian record, a Tweede Kamer document, the Leiden
letter), so the task can tell a precedent (grade 2) from a neighbour (grade 1).
Documents are named ``source:external_id``. A query's own letter (the one it was
pasted from, and for a Tweede Kamer question its answer document) is left out of
every ranking: it was never judged. The FAQ collection shares the evaluation home
but is not council material: its units are not part of this task's rankings.

The collection is for measuring only: nothing may be tuned on it (the runner's
fusion grid skips it).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ..config import REPO_ROOT
from ..search import Filters
from .datasets import DEKAMER, Query, Task
from .metrics import mean, mean_interval
from .scoring import per_query

JUDGED_DIR = REPO_ROOT / "tests" / "data" / "judged"
QUERIES_FILE = JUDGED_DIR / "queries.json"
QRELS_FILE = JUDGED_DIR / "qrels.json"
TWEEDEKAMER = "tweedekamer-2024"
LEIDEN = "leiden"
#: the collections the judged queries search (and the pool was drawn from)
COLLECTIONS = (DEKAMER, TWEEDEKAMER, LEIDEN)
#: each mode's top documents that went into the pool
POOL_DEPTH = 20
METRICS = ("ndcg@10", "mrr@10", "recall@20")
TASK_NAME = "judged"


def document_key(source: str, external_id: str) -> str:
    return f"{source}:{external_id}"


def read_queries(path: Path = QUERIES_FILE) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["queries"]


def read_qrels(path: Path = QRELS_FILE) -> dict[str, dict[str, int]]:
    """Query id -> document key -> grade (0, 1 or 2), for every pooled document."""
    return json.loads(Path(path).read_text(encoding="utf-8"))["qrels"]


def read_judging(path: Path = QRELS_FILE) -> dict[str, dict]:
    """Query id -> who judged its pool, when, and how many letters."""
    return json.loads(Path(path).read_text(encoding="utf-8"))["judging"]


def judged_task(max_query_chars: int, qrels: dict[str, dict[str, int]] | None = None,
                queries_path: Path = QUERIES_FILE) -> Task:
    """The judged queries that have at least one relevant document (the others have no defined
    score); ``qrels`` default to the committed judgements. ``{}``: every query, nothing judged (to pool)."""
    qrels = read_qrels() if qrels is None else qrels
    queries, skipped = [], 0
    for raw in read_queries(queries_path):
        grades = {key: grade for key, grade in qrels.get(raw["qid"], {}).items() if grade > 0}
        if qrels and not grades:
            skipped += 1
            continue
        queries.append(Query(raw["qid"], raw["text"][:max_query_chars], Filters(), grades,
                             exclude=frozenset(raw["exclude"]), kind=raw["kind"]))
    return Task(TASK_NAME, "Judged precedent search: typed and pasted queries over Belgian, Tweede Kamer and "
                "Leiden letters, pooled results judged 0/1/2 by reading them", METRICS, queries, skipped,
                tunable=False)


def council_key(stored) -> str | None:
    """A stored document's key in the judgements; None outside the judged collections."""
    document = stored.document
    return document_key(document.source, document.external_id) if document.source in COLLECTIONS else None


def pool(queries: Sequence[Query], runs: dict[str, Sequence[Sequence[str]]], depth: int = POOL_DEPTH) -> list[list[str]]:
    """Per query, the union of each run's top ``depth`` documents (its own letter left out), in first-seen order."""
    pooled = []
    for i, query in enumerate(queries):
        seen: dict[str, None] = {}
        for ranked in runs.values():
            kept = [d for d in ranked[i] if d not in query.exclude]
            seen.update(dict.fromkeys(kept[:depth]))
        pooled.append(list(seen))
    return pooled


def breakdown(task: Task, runs: dict[str, Sequence[Sequence[str]]], judged: dict[str, dict[str, int]]) -> dict:
    """Per mode: nDCG@10 with its 95% interval, per kind of query, and the share of the top 10
    that was judged (below 1 once a change brings up documents nobody read: re-pool then)."""
    out = {}
    for mode, ranked in runs.items():
        scores = per_query(task, ranked, task.primary)
        by_kind = {}
        for kind in sorted({q.kind for q in task.queries}):
            picked = [s for s, q in zip(scores, task.queries) if q.kind == kind]
            by_kind[kind] = {"queries": len(picked), "mean": round(mean(picked), 4),
                             "ci95": round(mean_interval(picked), 4)}
        top = [[d for d in docs if d not in q.exclude][:10] for q, docs in zip(task.queries, ranked)]
        judged_share = mean([sum(d in judged.get(q.qid, {}) for d in t) / len(t) for q, t in zip(task.queries, top) if t])
        out[mode] = {"mean": round(mean(scores), 4), "ci95": round(mean_interval(scores), 4), "by_kind": by_kind,
                     "judged_at_10": round(judged_share, 4)}
    return out

