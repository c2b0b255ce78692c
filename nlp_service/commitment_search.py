"""Commitments over the store: every answer passing the search filters (and, with a query, the
questions that match it by the trend's relevance cut), newest first, each commitment linked to
its question and its letter."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from .commitments import Commitment, extract
from .search import SearchEngine, SearchRequest, document_card
from .trend import QUESTION_UNITS, matching_questions

#: answers whose extraction is remembered (an answer's text and date fix its commitments)
EXTRACTION_CACHE = 50_000
#: stands in for the query when commitments are asked for by filters alone, so the filters are
#: validated by the same SearchEngine.make_request as a search's (never searched; a word, since
#: a query without a letter or digit is empty)
FILTERS_ONLY_QUERY = "filters"


@lru_cache(maxsize=EXTRACTION_CACHE)
def _extract(answer: str, reference: str | None) -> tuple[Commitment, ...]:
    return tuple(extract(answer, reference))


def candidate_questions(engine: SearchEngine, request: SearchRequest, with_query: bool) -> list[int]:
    """Question ids passing the filters; with a query only those above the relevance cut."""
    if with_query:
        return [m.question_id for m in matching_questions(engine, request)]
    unit_ids = engine.allowed_units(replace(request.filters, kinds=QUESTION_UNITS))
    return sorted({u.question_id for u in engine.store.get_units(unit_ids).values()})


def find_commitments(engine: SearchEngine, request: SearchRequest, with_query: bool, limit: int) -> dict:
    """The newest ``limit`` commitments (by the answer's date, else the submission's) and how many
    answers were read."""
    questions = engine.store.get_questions(candidate_questions(engine, request, with_query))
    answered = [q for q in questions.values() if q.question.answer]
    documents = engine.store.get_documents({q.document_id for q in answered})

    def date_of(question) -> str:
        d = documents[question.document_id].document
        return d.answered or d.submitted or ""

    found = []
    for question in sorted(answered, key=lambda q: (date_of(q), q.id), reverse=True):
        stored_doc = documents[question.document_id]
        reference = stored_doc.document.answered or stored_doc.document.submitted
        for commitment in _extract(question.question.answer, reference):
            found.append({**commitment.to_dict(), "date": date_of(question) or None,
                          "question": {"id": question.id, "number": question.question.number,
                                       "text": question.question.text},
                          "document": document_card(stored_doc)})
        if len(found) >= limit:
            break
    return {"query": request.query if with_query else None, "answers_in_scope": len(answered),
            "commitments": found[:limit]}
