"""Ranking metrics over one query's ranked list of item ids and its judgements.

Conventions (those of trec_eval, so figures compare with the literature):

* ``ranked`` is best first and holds each item once (see :func:`unique_in_order`);
* ``grades`` maps a relevant item to its grade (> 0); items absent are not relevant;
* nDCG uses linear gain (gain = grade) and discount ``1 / log2(rank + 1)``; the ideal
  list is built from every judged item, retrieved or not;
* a query without relevant items has no defined score: callers leave it out of the mean.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence

Item = Hashable


def unique_in_order(items: Iterable[Item]) -> list[Item]:
    """First occurrence of each item, order kept (several units of one document count once)."""
    return list(dict.fromkeys(items))


def dcg(gains: Iterable[float]) -> float:
    """Discounted cumulative gain of gains listed by rank (rank 1 first)."""
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def ndcg_at_k(ranked: Sequence[Item], grades: Mapping[Item, float], k: int) -> float:
    """nDCG@k with graded relevance; 0.0 when nothing is relevant."""
    ideal = dcg(sorted((g for g in grades.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg(grades.get(item, 0) for item in ranked[:k]) / ideal


def reciprocal_rank_at_k(ranked: Sequence[Item], relevant: Iterable[Item], k: int) -> float:
    """1 / rank of the first relevant item within the top k, else 0 (MRR@k is its mean)."""
    wanted = set(relevant)
    for rank, item in enumerate(ranked[:k], start=1):
        if item in wanted:
            return 1.0 / rank
    return 0.0


def recall_at_k(ranked: Sequence[Item], relevant: Iterable[Item], k: int) -> float:
    """Share of the relevant items found in the top k; 0.0 when nothing is relevant."""
    wanted = set(relevant)
    if not wanted:
        return 0.0
    return len(wanted.intersection(ranked[:k])) / len(wanted)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def mean_interval(values: Sequence[float]) -> float:
    """Half-width of the 95% interval of the mean (normal approximation: 1.96 * sd / sqrt(n))."""
    if len(values) < 2:
        return float("inf")
    centre = mean(values)
    variance = sum((v - centre) ** 2 for v in values) / (len(values) - 1)
    return 1.96 * math.sqrt(variance / len(values))


def score(metric: str, ranked: Sequence[Item], grades: Mapping[Item, float]) -> float:
    """A metric named ``name@k`` (``ndcg@10``, ``mrr@10``, ``recall@50``) for one query."""
    name, _, cutoff = metric.partition("@")
    k = int(cutoff)
    if name == "ndcg":
        return ndcg_at_k(ranked, grades, k)
    relevant = [item for item, grade in grades.items() if grade > 0]
    if name == "mrr":
        return reciprocal_rank_at_k(ranked, relevant, k)
    if name == "recall":
        return recall_at_k(ranked, relevant, k)
    raise ValueError(f"unknown metric {metric!r}")


def paired_difference(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Mean of a - b over the same queries, and the half-width of its 95% interval
    (normal approximation: 1.96 * sd / sqrt(n)); a difference is clear when it exceeds it."""
    if len(a) != len(b):
        raise ValueError("paired scores must cover the same queries")
    diffs = [x - y for x, y in zip(a, b)]
    return mean(diffs), mean_interval(diffs)


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion (sound for small n and for 0 or n successes)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion(successes: int, n: int) -> dict:
    """A share with its 95% Wilson interval, as the reports print it."""
    low, high = wilson_interval(successes, n)
    return {"value": round(successes / n, 4) if n else None, "n": n, "ci95": [round(low, 4), round(high, 4)]}
