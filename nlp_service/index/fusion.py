"""Reciprocal rank fusion of several rankings, and grouping of units into results."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[int]], weights: Mapping[str, float], k: int = 60
) -> list[tuple[int, float]]:
    """Weighted RRF: score(d) = sum_r w_r / (k + rank_r(d)), ranks from 1.

    Rank-based, so BM25 and cosine scores need no common scale.
    """
    scores: dict[int, float] = {}
    for name, ranking in rankings.items():
        weight = weights.get(name, 1.0)
        if weight == 0:
            continue
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def group_results(
    scored: Iterable[tuple[int, float]],
    question_of: Callable[[int], int],
    document_of: Callable[[int], int],
    limit: int,
    per_document: int,
) -> list[tuple[int, float]]:
    """Keep the best unit per question and at most ``per_document`` per document.

    ``scored`` must be best first; returns (unit id, score) pairs, at most ``limit``.
    """
    seen_questions: set[int] = set()
    per_doc: dict[int, int] = {}
    kept: list[tuple[int, float]] = []
    for unit_id, score in scored:
        question, document = question_of(unit_id), document_of(unit_id)
        if question in seen_questions or per_doc.get(document, 0) >= per_document:
            continue
        seen_questions.add(question)
        per_doc[document] = per_doc.get(document, 0) + 1
        kept.append((unit_id, score))
        if len(kept) >= limit:
            break
    return kept
