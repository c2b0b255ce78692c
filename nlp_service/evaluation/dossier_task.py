"""The dossier task: held-out Belgian letters run through the dossier as a new letter would be.

Per sub-question: the precedents' nDCG@10 with the precedent task's relevance
(:class:`.datasets.PrecedentJudge`: same title group 2, same theme and descriptor 1,
documents submitted before the letter). Per letter the dossier searches strictly
before its submission date, with the letter itself left out.

``asked_before``: a sub-question is asked before when an earlier member of its title
group is the same letter sent again (introductions alike, as in the calibration) and
has a sub-question at the same position, or when an earlier letter holds the very same
question text (a verbatim re-ask under another title); a verdict is right when it names
such a question. Precision and recall with 95% Wilson intervals. The labels still miss
near-verbatim re-asks under another title, so the precision is a lower bound.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ..dossier import DossierBuilder, same_text, term_overlap
from ..search import Filters, SearchEngine
from .asked_before import SAME_LETTER_OVERLAP
from .datasets import DEKAMER, BelgianRecord, PrecedentJudge, day_before, in_window, stable_share
from .metrics import mean, ndcg_at_k, proportion

#: held-out letters at most (a stable draw): ~3.5 sub-questions each are encoded
MAX_LETTERS = 300
MIN_QUESTIONS = 2


def evaluate(engine: SearchEngine, records: Sequence[BelgianRecord], groups: Sequence[frozenset[str]]) -> dict:
    judge = PrecedentJudge(records, groups)
    store = engine.store
    by_id = {r.doc_id: r for r in records}
    group_of = {doc_id: group for group in groups for doc_id in group}
    builder = DossierBuilder(engine, k=10)
    letters = _held_out(engine, records)
    verbatim = _questions_by_text(engine)
    ndcg: list[float] = []
    fired = right = gold = 0
    for record, doc_id in letters:
        letter = store.get_document(doc_id).document
        searches, units = builder.search_questions(letter, doc_id, Filters(until=day_before(record.submitted),
                                                                           source=DEKAMER))
        grades = judge.grades(record)
        external = _external_ids(engine, {units[uid].document_id for s in searches for uid, _ in s.fused[:50]})
        partners = _partner_questions(engine, record, letter, group_of, by_id)
        for position, question in enumerate(letter.questions):
            partners.setdefault(position, set()).update(
                qid for qid, submitted in verbatim.get(same_text(question.text), ()) if submitted < record.submitted)
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
                       "sub-question precedent nDCG@10; asked_before against same-title letters sent again earlier "
                       "and verbatim earlier questions",
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


def _questions_by_text(engine: SearchEngine) -> dict[str, list[tuple[int, str]]]:
    """Every stored Belgian question by its normalised text: (question id, submitted)."""
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for stored in engine.store.iter_documents():
        if stored.document.source == DEKAMER:
            for question in engine.store.questions_of(stored.id):
                found[same_text(question.question.text)].append((question.id, stored.document.submitted or ""))
    return found


def _external_ids(engine: SearchEngine, doc_ids: set[int]) -> dict[int, str]:
    return {i: d.document.external_id for i, d in engine.store.get_documents(doc_ids).items()}


def _partner_questions(engine: SearchEngine, record: BelgianRecord, letter, group_of: dict,
                       by_id: dict[str, BelgianRecord]) -> dict[int, set[int]]:
    """Position -> ids of the same sub-question in earlier copies of this letter."""
    partners: dict[int, set[int]] = {}
    for other_id in group_of.get(record.doc_id, ()):
        other = by_id.get(other_id)
        found = engine.store.find_document(DEKAMER, other_id) if other else None
        if found is None or other.submitted >= record.submitted:
            continue
        stored = engine.store.get_document(found[0]).document
        if term_overlap(stored.intro, letter.intro) < SAME_LETTER_OVERLAP:
            continue
        for position, question in enumerate(engine.store.questions_of(found[0])):
            partners.setdefault(position, set()).add(question.id)
    return partners
