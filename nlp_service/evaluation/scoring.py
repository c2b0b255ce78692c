"""Scoring retrieved candidate lists: per mode, at the service's depth, and over a grid
of fusion weights and constants, with paired comparisons between runs.

A run is each query's ranked list of documents: units are judged per document,
a document at the rank of its first unit (what grouping by question does,
without the cut to k results that would leave fewer than k documents).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..index.fusion import reciprocal_rank_fusion
from ..retrievers import FUSED, RETRIEVERS, list_weights, retriever_of
from ..search import SearchEngine
from .datasets import Task
from .metrics import mean, mean_interval, paired_difference, score, unique_in_order

#: RRF sees only the ratio of the weights, so the dense weight stays 1
WEIGHT_GRID = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
RRF_K_GRID = (5, 10, 20, 40, 60, 100)

Rankings = dict[str, list[tuple[int, float]]]


@dataclass(frozen=True)
class Retrieved:
    rankings: list[Rankings]  # each retriever's candidates, per query of the task, in order
    doc_of: dict[int, str]  # unit id -> the external id of its document
    kind_of: dict[int, str] = field(default_factory=dict)  # unit id -> its kind (units.py)
    question_of: dict[int, int] = field(default_factory=dict)  # unit id -> the question it hangs on
    #: per query, each retriever's one list over every kind of unit (the letters searched mixed with the
    #: pieces, both letter weights 0): what the structure section compares the service's lists with
    mixed: list[Rankings] = field(default_factory=list)


def as_documents(ranked_units: Sequence[tuple[int, float]], doc_of: Mapping[int, str]) -> list[str]:
    return unique_in_order(doc_of[uid] for uid, _ in ranked_units if uid in doc_of)


def per_query(task: Task, ranked_docs: Sequence[Sequence[str]], metric: str) -> list[float]:
    return [score(metric, [d for d in docs if d not in q.exclude] if q.exclude else docs, q.grades)
            for q, docs in zip(task.queries, ranked_docs)]


def mean_scores(task: Task, ranked_docs: Sequence[Sequence[str]], metrics: Sequence[str]) -> dict[str, float]:
    return {m: round(mean(per_query(task, ranked_docs, m)), 4) for m in metrics}


def compare(task: Task, better: Sequence[Sequence[str]], worse: Sequence[Sequence[str]]) -> dict:
    """Paired difference of the primary metric, with its 95% half-width."""
    difference, half_width = paired_difference(per_query(task, better, task.primary),
                                               per_query(task, worse, task.primary))
    return {"difference": round(difference, 4), "ci95": round(half_width, 4),
            "clear": difference - half_width > 0}


def hybrid_run(engine: SearchEngine, task: Task, retrieved: Retrieved, depth: int | None = None) -> list[list[str]]:
    """The service's fusion (weights_for, rrf_k) of each query's lists, cut to ``depth`` candidates first."""
    return [as_documents(engine.fuse({name: r[:depth] for name, r in rankings.items()}, query.text), retrieved.doc_of)
            for query, rankings in zip(task.queries, retrieved.rankings)]


def of_mode(rankings: Rankings, mode: str) -> Rankings:
    """The candidate lists a mode's retrievers made (a retriever's list over the pieces, and over the letters)."""
    return {name: r for name, r in rankings.items() if mode == FUSED or retriever_of(name) == mode}


def mode_runs(engine: SearchEngine, task: Task, retrieved: Retrieved) -> dict[str, list[list[str]]]:
    """Per mode, each query's ranked documents."""
    runs = {mode: [as_documents(engine.rank_mode(of_mode(r, mode), q.text), retrieved.doc_of)
                   for q, r in zip(task.queries, retrieved.rankings)] for mode in RETRIEVERS}
    runs[FUSED] = hybrid_run(engine, task, retrieved)
    return runs


def fused_run(retrieved: Retrieved, weight_lexical: float, rrf_k: int, depth: int,
              letters: Mapping[str, float]) -> list[list[str]]:
    weights = {"lexical": weight_lexical, "dense": 1.0}
    return [as_documents(reciprocal_rank_fusion({name: [uid for uid, _ in r[:depth]] for name, r in rankings.items()},
                                                list_weights(weights, rankings, letters), k=rrf_k), retrieved.doc_of)
            for rankings in retrieved.rankings]


def tune(engine: SearchEngine, task: Task, retrieved: Retrieved, service_run: Sequence[Sequence[str]],
         depth: int) -> dict:
    """The task's primary metric over a grid of lexical weight x RRF constant, at the service's
    candidate depth, and whether the best point beats the service's fusion by more than chance."""
    letters = engine.settings.letter_weights
    grid = [{"weight_lexical": w, "weight_dense": 1.0, "rrf_k": k,
             task.primary: mean_scores(task, fused_run(retrieved, w, k, depth, letters), [task.primary])[task.primary]}
            for w in WEIGHT_GRID for k in RRF_K_GRID]
    best = max(grid, key=lambda row: row[task.primary])
    best_run = fused_run(retrieved, best["weight_lexical"], best["rrf_k"], depth, letters)
    return {"metric": task.primary, "grid": grid, "best": best,
            "best_vs_service": compare(task, best_run, service_run)}


def task_results(engine: SearchEngine, task: Task, retrieved: Retrieved, service_candidates: int) -> dict:
    runs = mode_runs(engine, task, retrieved)
    results = {mode: mean_scores(task, docs, task.metrics) for mode, docs in runs.items()}
    best_single = max(RETRIEVERS, key=lambda mode: results[mode][task.primary])
    service_depth = hybrid_run(engine, task, retrieved, service_candidates)
    primary = {mode: per_query(task, docs, task.primary) for mode, docs in runs.items()}
    return {
        "description": task.description,
        "queries": len(task.queries),
        "skipped_without_relevant": task.skipped,
        "mean_query_words": round(mean([len(q.text.split()) for q in task.queries]), 1),
        "mean_relevant": round(mean([len(q.grades) for q in task.queries]), 1),
        "metrics": list(task.metrics),
        "primary": task.primary,
        "results": results,
        "hybrid_beats_both": results[FUSED][task.primary] > results[best_single][task.primary],
        "hybrid_vs_best_single": {"versus": best_single, **compare(task, runs[FUSED], runs[best_single])},
        "hybrid_at_service_candidates": mean_scores(task, service_depth, task.metrics),
        "recall_ceiling": {m: round(mean([min(1.0, int(m.split("@")[1]) / len(q.grades)) for q in task.queries]), 4)
                           for m in task.metrics if m.startswith("recall@")},
        "ci95": {mode: round(mean_interval(scores), 4) for mode, scores in primary.items()},
        #: the primary metric per query, so two runs (before and after a change) compare pairwise
        "per_query": {"qids": [q.qid for q in task.queries], **{m: [round(v, 4) for v in s] for m, s in primary.items()}},
        **({"tuning": tune(engine, task, retrieved, service_depth, service_candidates)} if task.tunable else {}),
    }
