"""The relevance floor: which of the service's top results the page may call a direct match.

For each precedent query, the service's fused top ``TOP`` documents are judged by the
labels; each carries the features the search core judges a result by (the cosine of the
query and the matched text, and for a short query the share of its words in that text,
:meth:`SearchEngine.judge`). Over a grid of floors this gives the precision of what would be
called direct, how many relevant results would be called related, and how many queries
would end with "Geen directe treffers". The chosen point maximises F0.5 (precision counts
twice: a clerk citing a wrong precedent costs more than one left among the related).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..search import SearchEngine
from ..units import LETTER, QUESTION
from .datasets import Task
from .scoring import Retrieved

FLOOR_TASKS = ("precedent_pasted", "precedent_title")
TOP = 10
COSINE_GRID = tuple(round(0.80 + 0.01 * i, 2) for i in range(16))
COVERAGE_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
BETA = 0.5  # F-beta: precision weighs 1/beta = twice recall


@dataclass(frozen=True)
class Judged:
    relevant: bool
    cosine: float | None
    coverage: float  # share of the query's terms in the matched text


def judged_results(engine: SearchEngine, task: Task, retrieved: Retrieved, depth: int) -> list[list[Judged]]:
    """Per query, its top documents as the service ranks them, with the labels and the features."""
    generation = engine.generation()
    out = []
    for query, rankings in zip(task.queries, retrieved.rankings):
        fused = engine.fuse({name: r[:depth] for name, r in rankings.items()}, query.text)
        first_unit: dict[str, int] = {}
        for uid, _ in fused:
            doc = retrieved.doc_of.get(uid)
            if doc is not None and doc not in first_unit:
                first_unit[doc] = uid
                if len(first_unit) == TOP:
                    break
        first_unit = stand_ins(engine, fused, first_unit, retrieved)
        cosines = dict(rankings.get("dense", ()))
        missing = [uid for uid in first_unit.values() if uid not in cosines]
        if missing:
            cosines.update(generation.dense.similarities(engine.encoder.encode_queries([query.text])[0], missing))
        coverage = engine.coverages(generation, query.text, list(first_unit.values()))
        out.append([Judged(doc in query.grades, cosines.get(uid), coverage[uid]) for doc, uid in first_unit.items()])
    return out


def stand_ins(engine: SearchEngine, fused: Sequence[tuple[int, float]], first_unit: dict[str, int],
              retrieved: Retrieved) -> dict[str, int]:
    """Each document's judging unit as the service picks it (``SearchEngine.results``): a letter
    ranked by its whole-letter unit is judged by its best-ranked other unit, else by its first
    question's unit."""
    out = {}
    for doc, uid in first_unit.items():
        if retrieved.kind_of.get(uid) != LETTER:
            out[doc] = uid
            continue
        other = next((u for u, _ in fused if retrieved.doc_of.get(u) == doc and retrieved.kind_of.get(u) != LETTER),
                     None)
        if other is None:
            own = [u.id for u in engine.store.units_of_question(retrieved.question_of[uid]) if u.kind == QUESTION]
            other = own[0] if own else uid
        out[doc] = other
    return out


def point(rows: Sequence[Sequence[Judged]], floor: float, coverage: float) -> dict:
    """What the page would show at this floor, over all queries."""
    direct = relevant_direct = relevant = empty = 0
    for results in rows:
        called = [r for r in results if r.cosine is not None and r.cosine >= floor and r.coverage >= coverage]
        direct += len(called)
        relevant_direct += sum(r.relevant for r in called)
        relevant += sum(r.relevant for r in results)
        empty += not called
    precision = relevant_direct / direct if direct else 0.0
    recall = relevant_direct / relevant if relevant else 0.0
    f = (1 + BETA ** 2) * precision * recall / (BETA ** 2 * precision + recall) if precision + recall else 0.0
    return {"floor": floor, "coverage": coverage, "direct_precision": round(precision, 4),
            "relevant_kept": round(recall, 4), "f0.5": round(f, 4), "direct_per_query": round(direct / len(rows), 2),
            "queries_without_direct": empty, "queries": len(rows)}


def floor_results(engine: SearchEngine, task: Task, retrieved: Retrieved, depth: int) -> dict:
    rows = judged_results(engine, task, retrieved, depth)
    short = engine.is_short(task.queries[0].text) if task.queries else True
    # a pasted question is judged by the cosine alone (SearchEngine.judge); coverage matters for short ones
    coverages = COVERAGE_GRID if short else (0.0,)
    grid = [point(rows, f, c) for f in COSINE_GRID for c in coverages]
    settings = engine.settings
    service = point(rows, engine.floor_for(task.queries[0].text) if task.queries else settings.match_floor_short,
                    settings.match_coverage_short if short else 0.0)
    everything = point(rows, -1.0, 0.0)  # every result called a match: the page before the floor
    return {"short_queries": short, "top": TOP, "grid": grid, "best": max(grid, key=lambda p: p["f0.5"]),
            "service": service, "without_floor": everything}
