"""The dossier task: held-out Belgian letters run through the dossier as a new letter would be.

Per sub-question: the precedents' nDCG@10 with the precedent task's relevance
(:class:`.datasets.PrecedentJudge`: same title group 2, same theme and descriptor 1,
documents submitted before the letter). Per letter the dossier searches strictly
before its submission date, with the letter itself left out.

``asked_before``: the ground truth the calibration also uses
(:class:`.asked_before.AskedBeforeGold`): the sub-question at the same position in an
earlier copy of the letter (introductions alike, any title; or both without one and the
same title), or an earlier question with the very same specific text; a verdict is right
when it names such a question. Precision and recall with 95% Wilson intervals. The labels
still miss rewritten follow-ups, so the precision is a lower bound.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..dossier import DossierBuilder
from ..search import Filters, SearchEngine
from .asked_before import AskedBeforeGold
from .datasets import DEKAMER, BelgianRecord, PrecedentJudge, day_before, in_window, stable_share
from .metrics import mean, ndcg_at_k, proportion

#: held-out letters at most (a stable draw): ~3.5 sub-questions each are encoded
MAX_LETTERS = 300
MIN_QUESTIONS = 2


def evaluate(engine: SearchEngine, records: Sequence[BelgianRecord], groups: Sequence[frozenset[str]]) -> dict:
    judge = PrecedentJudge(records, groups)
    store = engine.store
    builder = DossierBuilder(engine, k=10)
    letters = _held_out(engine, records)
    gold_of = AskedBeforeGold(store)
    ndcg: list[float] = []
    fired = right = gold = 0
    for record, doc_id in letters:
        letter = store.get_document(doc_id).document
        searches, units = builder.search_questions(letter, doc_id, Filters(until=day_before(record.submitted),
                                                                           source=DEKAMER))
        grades = judge.grades(record)
        external = _external_ids(engine, {units[uid].document_id for s in searches for uid, _ in s.fused[:50]})
        partners = gold_of.expected(letter, record.submitted)
        for position, search in enumerate(searches):
            ranked = list(dict.fromkeys(external[units[uid].document_id] for uid, _ in search.fused[:50]))
            if grades:
                ndcg.append(ndcg_at_k(ranked, grades, 10))
            verdict = builder.verdict(search, units)
            expected = partners.get(position, set())
            gold += bool(expected)
            if verdict is not None:
                fired += 1
                right += verdict.question_id in expected  # only a gold question can be named rightly
    if hasattr(engine.encoder, "save"):  # the evaluation's query cache: a re-run encodes nothing again
        engine.encoder.save()
    return {
        "description": "Dossier of held-out Belgian letters (May-June 2017, at least two sub-questions): per "
                       "sub-question precedent nDCG@10; asked_before against earlier copies of the letter (introductions "
                       "alike) and verbatim earlier specific questions",
        "letters": len(letters),
        "questions_scored": len(ndcg),
        "ndcg@10": round(mean(ndcg), 4),
        "asked_before": {"fired": fired, "gold_questions": gold,
                         "precision": proportion(right, fired), "recall": proportion(right, gold)},
    }


def _held_out(engine: SearchEngine, records: Sequence[BelgianRecord]) -> list[tuple[BelgianRecord, int]]:
    letters = []
    for record in sorted(records, key=lambda r: stable_share(r.doc_id)):
        found = engine.store.find_document(DEKAMER, record.doc_id) if in_window(record) else None
        if found is not None and len(engine.store.questions_of(found[0])) >= MIN_QUESTIONS:
            letters.append((record, found[0]))
        if len(letters) >= MAX_LETTERS:
            break
    return letters


def _external_ids(engine: SearchEngine, doc_ids: set[int]) -> dict[int, str]:
    return {i: d.document.external_id for i, d in engine.store.get_documents(doc_ids).items()}
