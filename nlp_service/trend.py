"""How often a subject came up: matching questions per year and per party.

A search's top-k says nothing about volume, so a trend counts every question whose own
text (the question unit: title + question) is close enough to the query in the embedding
space, cosine >= ``RELEVANCE_CUT``, and shares at least one content word with it (the BM25
index finds it). The cosine of e5 is comparable between queries, unlike the fused RRF score or
BM25's, but it lies in a narrow band (sd ~0.015 per query) in which generic questions ("Kunt u
deze vragen beantwoorden?") score high against anything: the cosine alone matched 76 of the
Tweede Kamer's 862 questions per Belgian title, the shared word 5.4, at a slightly lower F1
on the labelled Belgian data (held out 0.203 against 0.226; docs/trend-cut.md,
``scripts/trend_cut.py``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from .search import SearchEngine, SearchRequest

#: cosine (query vs. question unit) at or above which a question sharing a word with the query
#: counts as matching: the most precise cut within 0.005 of the best F1 against the theme labels
#: of 163 Belgian titles, held-out precision 0.31, recall 0.15 on 179 others (docs/trend-cut.md)
RELEVANCE_CUT = 0.82
QUESTION_UNITS = ("question",)
UNKNOWN = "onbekend"  # no submission date, or no party


@dataclass(frozen=True)
class Match:
    question_id: int
    document_id: int
    score: float  # cosine of the query and the question unit


def matching_questions(engine: SearchEngine, request: SearchRequest,
                       cut: float = RELEVANCE_CUT) -> list[Match]:
    """Every question passing the request's filters whose question unit scores >= ``cut`` and
    shares a content word with the query, best first. Exhaustive over the allowed question units,
    not the top-k: exact on the flat index (up to 200,000 vectors, dense.FLAT_MAX); an HNSW index
    returns at most the HNSW_EF_MAX (4,096) nearest, so on a larger corpus a very broad query is
    counted short."""
    filters = replace(request.filters, kinds=QUESTION_UNITS)
    allowed = engine.allowed_units(filters)
    if not allowed:
        return []
    scored = engine.retrieve("dense", request.query, len(allowed), allowed)
    sharing = {uid for uid, _ in engine.retrieve("lexical", request.query, len(allowed), allowed)}
    scored = [(uid, s) for uid, s in scored if s >= cut and uid in sharing]
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
