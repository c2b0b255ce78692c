"""How often a subject came up: matching questions per year and per party.

A search's top-k says nothing about volume, so a trend counts every question whose own
text (the question unit: title + question) is close enough to the query in the embedding
space: cosine >= ``RELEVANCE_CUT``. The cosine of e5 is comparable between queries, unlike
the fused RRF score or BM25's. The cut was chosen on labelled Belgian data
(docs/trend-cut.md, ``scripts/trend_cut.py``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from .search import SearchEngine, SearchRequest

#: cosine (query vs. question unit) at or above which a question counts as matching; the
#: cut with the best F1 against the theme labels of 342 Belgian titles (docs/trend-cut.md)
RELEVANCE_CUT = 0.82
QUESTION_UNITS = ("question",)
BY = ("year", "party")
UNKNOWN = "onbekend"  # no submission date, or no party


@dataclass(frozen=True)
class Match:
    question_id: int
    document_id: int
    score: float  # cosine of the query and the question unit


def matching_questions(engine: SearchEngine, request: SearchRequest,
                       cut: float = RELEVANCE_CUT) -> list[Match]:
    """Every question passing the request's filters whose question unit scores >= ``cut``,
    best first. Exhaustive over the allowed question units, not the top-k: exact on the flat
    index (up to 200,000 vectors, dense.FLAT_MAX); an HNSW index returns at most the
    HNSW_EF_MAX (4,096) nearest, so on a larger corpus a very broad query is counted short."""
    filters = replace(request.filters, kinds=QUESTION_UNITS)
    allowed = engine.allowed_units(filters)
    if not allowed:
        return []
    generation = engine.generation()
    scored = engine._dense_candidates(generation, request.query, len(allowed), allowed, {})
    scored = [(uid, s) for uid, s in scored if s >= cut]
    units = engine.store.get_units(uid for uid, _ in scored)
    return [Match(units[uid].question_id, units[uid].document_id, s) for uid, s in scored if uid in units]


def trend(engine: SearchEngine, request: SearchRequest, cut: float = RELEVANCE_CUT) -> dict:
    """Counts of matching questions per year of submission and per party (a letter of two
    parties counts for both), each series ordered for a chart: years ascending, parties by count."""
    matches = matching_questions(engine, request, cut)
    documents = engine.store.get_documents({m.document_id for m in matches})
    years: Counter[str] = Counter()
    parties: Counter[str] = Counter()
    for match in matches:
        document = documents[match.document_id].document
        years[(document.submitted or "")[:4] or UNKNOWN] += 1
        for party in document.parties or [UNKNOWN]:
            parties[party] += 1
    return {
        "query": request.query,
        "cut": cut,
        "total": len(matches),
        "documents": len(documents),
        "by_year": [{"key": k, "count": years[k]} for k in sorted(years)],
        "by_party": [{"key": k, "count": n} for k, n in sorted(parties.items(), key=lambda kv: (-kv[1], kv[0]))],
    }
