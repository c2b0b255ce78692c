"""Reciprocal rank fusion of several rankings, and grouping of units into results."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field


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


@dataclass
class LetterGroup:
    """One letter of a result list: the unit that ranks it (its best) and the questions shown."""

    unit: int  # the letter's best unit: its place and score in the list
    score: float
    #: the unit that speaks for the letter: its best-ranked unit of a question, the intro included (the
    #: ``unit`` itself unless that is a whole-letter unit); None while none was seen
    stand_in: int | None
    more: list[int] = field(default_factory=list)  # best units of its other matching questions, best first


def group_per_letter(
    scored: Iterable[tuple[int, float]],
    question_of: Callable[[int], int | None],
    document_of: Callable[[int], int],
    limit: int,
    per_document: int,
) -> list[LetterGroup]:
    """One group per letter, in the order of their best units, at most ``limit``; each with up to
    ``per_document`` different questions (the stand-in's and those in ``more``).

    ``question_of`` is None for a unit that belongs to no one question (a whole-letter unit): it
    ranks its letter, and the letter's best unit of a question is then shown in its place.
    ``scored`` must be best first; it is read to its end to find the shown letters' questions.
    """
    groups: dict[int, LetterGroup] = {}
    shown: dict[int, set[int]] = {}
    for unit_id, score in scored:
        document, question = document_of(unit_id), question_of(unit_id)
        group = groups.get(document)
        if group is None:
            if len(groups) >= limit:
                continue
            group = groups[document] = LetterGroup(unit_id, score, None)
            shown[document] = set()
        if question is None or question in shown[document] or len(shown[document]) >= per_document:
            continue
        shown[document].add(question)
        if group.stand_in is None:
            group.stand_in = unit_id
        else:
            group.more.append(unit_id)
    return list(groups.values())
