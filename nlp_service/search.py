"""Hybrid precedent search: the retrievers' candidates over units, fused and grouped.

The core that the CLI, the HTTP API and the web page all call (through
:class:`nlp_service.service.Service`). It reads the store and the serving index
generation; it never writes.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from . import nlp
from .config import Settings
from .embedding import Encoder
from .errors import InvalidRequest
from .highlight import snippet
from .index import generation as gen
from .index.fusion import group_per_letter, reciprocal_rank_fusion
from .query_input import MAX_FILTER_CHARS, is_iso_date_text, searchable_text, shown, whole_number
from .registers import Register
from .retrievers import (FUSED, LETTERS, MODES, RETRIEVERS, SORTS, Ranking, Retrieval, list_weights, retrievers_for,
                         run_retrievers)
from .store import Store, StoredDocument, StoredQuestion
from .units import ANSWER, LETTER, PIECES, QUESTION, Unit

#: filter sets whose allowed unit ids are remembered (each a list of up to every unit id)
ALLOWED_CACHE_SIZE = 16


@dataclass(frozen=True)
class Filters:
    """Restrictions applied before ranking is cut off."""

    since: str | None = None  # submitted on or after, ISO date
    until: str | None = None  # submitted on or before, ISO date
    party: str | None = None
    author: str | None = None
    source: str | None = None
    #: unit kinds to search ("intro", "question", "answer"); None = all. A question -> answer
    #: search restricts to ("answer",) so the question itself cannot be the hit.
    kinds: tuple[str, ...] | None = None

    def is_empty(self) -> bool:
        return not any((self.since, self.until, self.party, self.author, self.source, self.kinds))


class QueryError(InvalidRequest, ValueError):
    """The request cannot be answered as asked (bad k, date, empty query...).

    ``field`` names the parameter at fault (``q``, ``k``, ``since``, ``until``, ``dates``
    for a range that ends before it starts, ``mode``, ``sort``, ``party``, ``author``,
    ``source``), so that a page can say what to change in its own words.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SearchRequest:
    query: str
    k: int = 10
    filters: Filters = field(default_factory=Filters)
    mode: str = FUSED
    sort: str = SORTS[0]


#: a result above the relevance floor is a direct match, below it a related one
DIRECT, RELATED = "direct", "related"


@dataclass
class SearchResult:
    score: float
    document: dict
    question: dict
    answer: str | None
    matched: str  # "question" or "answer"
    matched_text: str
    snippet: str = ""
    #: which unit matched: "intro" (the letter's title and introduction) and "letter" (the letter as a
    #: whole: then ``question`` is its best-matching question among the candidates, else its first)
    #: count as the question in ``matched`` (the JSON schema's two values); the page names them apart
    matched_unit: str = ""
    #: the unit whose text is shown and judged: the matched one, or a whole-letter hit's best other unit
    shown_unit: str = ""
    #: cosine similarity of the query and the text that judges the result: the matched text, or for a
    #: whole-letter hit its shown question's unit (None: not read, because it lies below the dense
    #: retriever's last candidate and so under the floor, or the index keeps no vectors)
    similarity: float | None = None
    match: str = RELATED
    #: the letter's other matching questions, best first (results of their own, without ``more``)
    more: list[SearchResult] = field(default_factory=list)

    def to_dict(self, with_snippet: bool = False) -> dict:
        data = {"score": round(self.score, 6), "match": self.match, "document": self.document,
                "question": self.question, "answer": self.answer, "matched": self.matched}
        if with_snippet:
            data["snippet"] = self.snippet
        data["more"] = [{k: v for k, v in m.to_dict(with_snippet).items() if k not in ("document", "more")}
                        for m in self.more]
        return data

    def for_page(self) -> dict:
        """The API's fields with the snippet, and which unit matched and which is shown (pages name them)."""
        return {**self.to_dict(with_snippet=True), "matched_unit": self.matched_unit, "shown_unit": self.shown_unit,
                "more": [m.for_page() for m in self.more]}


@dataclass
class SearchResponse:
    query: str
    results: list[SearchResult]
    timings_ms: dict[str, float]
    #: letters holding a direct match among all the candidates (not only the ``k`` returned)
    direct_documents: int = 0
    #: the share of the units dense search could find (below 1 while embedding runs in the background)
    dense_coverage: float = 1.0

    def to_dict(self, with_snippet: bool = False) -> dict:
        return {"query": self.query, "direct_documents": self.direct_documents,
                "dense_coverage": round(self.dense_coverage, 4),
                "results": [r.to_dict(with_snippet) for r in self.results]}


@dataclass
class Ranked:
    """A request's fused units, with what the relevance floor needs to judge them."""

    units: Ranking  # (unit id, fusion score), best first
    generation: gen.Generation
    #: the dense retriever's whole candidate list, (unit id, cosine) best first; None where it did not run
    dense: Ranking | None = None
    query_vector: np.ndarray | None = None  # the query's embedding, where the dense retriever made it


def order_by_date(results: list[SearchResult]) -> list[SearchResult]:
    """The direct matches newest first, then the related results in order of relevance:
    sorting by date never lets the newest letters of the whole index push out the relevant ones."""
    direct = sorted((r for r in results if r.match == DIRECT), key=lambda r: r.document["submitted"] or "",
                    reverse=True)
    return direct + [r for r in results if r.match != DIRECT]


def parse_date(value: str | None, name: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        if not is_iso_date_text(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise QueryError(f"{name} must be a date as YYYY-MM-DD, got {shown(value)}", name) from None


def filter_value(value: str | None, name: str) -> str | None:
    """A party, author or collection filter, stripped; None when empty."""
    value = (value or "").strip() or None
    if value is not None and len(value) > MAX_FILTER_CHARS:
        raise QueryError(f"{name} must be at most {MAX_FILTER_CHARS} characters", name)
    return value


#: what each question object carries about its case (registers.Register.questions)
CASE_FIELDS = ("status", "answered", "answer_document", "due")


def question_object(stored: StoredQuestion, fields: dict) -> dict:
    """``{"id", "number", "text"}`` of a question and its status in its case."""
    return {"id": stored.id, "number": stored.question.number, "text": stored.question.text,
            **{name: fields[name] for name in CASE_FIELDS}}


def make_filters(since=None, until=None, party=None, author=None, source=None) -> Filters:
    """Validated filters from raw parameters (the CLI's options, a request's query string)."""
    filters = Filters(parse_date(since, "since"), parse_date(until, "until"), filter_value(party, "party"),
                      filter_value(author, "author"), filter_value(source, "source"))
    if filters.since and filters.until and filters.since > filters.until:
        raise QueryError("since must not be after until", "dates")
    return filters


def document_card(stored: StoredDocument) -> dict:
    d = stored.document
    return {"id": stored.id, "external_id": d.external_id, "title": d.title, "submitted": d.submitted,
            "answered": d.answered, "authors": d.authors, "parties": d.parties, "source": d.source}


class SearchEngine:
    """Ranks units for a request and turns them into results; built by the Service, which
    hands it the store and the (lazily loaded) encoder it shares with the indexer."""

    def __init__(self, settings: Settings, store: Store, encoder: Callable[[], Encoder]):
        self.settings = settings
        self.store = store
        self._encoder = encoder
        self._generation: gen.Generation | None = None
        self._reload_lock = threading.Lock()
        self._allowed: OrderedDict[tuple[Filters, int], list[int]] = OrderedDict()
        self._allowed_lock = threading.Lock()

    # -- resources ---------------------------------------------------------

    @property
    def encoder(self) -> Encoder:
        return self._encoder()

    def generation(self) -> gen.Generation:
        """The serving generation; follows ``CURRENT`` when a writer (this process's background
        embedding or another process) swapped it. While one request loads the new generation the
        others keep answering from the loaded one instead of queueing behind the load."""
        wanted = gen.current_id(self.settings.home)
        current = self._generation
        if current is not None and current.id == wanted:
            return current
        if not self._reload_lock.acquire(blocking=current is None):
            return current
        try:
            if self._generation is None or self._generation.id != gen.current_id(self.settings.home):
                self._generation = gen.Generation.load(self.settings.home, previous=self._generation)
            return self._generation
        finally:
            self._reload_lock.release()

    def warm_up(self) -> None:
        """Load the index and the model now rather than on the first request."""
        self.generation()
        self.encoder.encode_queries(["opwarmen"])

    # -- validation --------------------------------------------------------

    def make_request(self, query: str | None, k=10, since=None, until=None, party=None, author=None,
                     source=None, mode: str = FUSED, sort: str = SORTS[0]) -> SearchRequest:
        """Validate raw parameters (from the CLI or HTTP) into a request."""
        query = searchable_text(query or "")
        if not query:
            raise QueryError("the query is empty", "q")
        if len(query) > self.settings.max_query_chars:
            raise QueryError(f"the query is longer than {self.settings.max_query_chars} characters", "q")
        number = whole_number(k)
        if number is None:
            raise QueryError(f"k must be a whole number, got {shown(k)}", "k")
        k = number
        if not 1 <= k <= self.settings.max_k:
            raise QueryError(f"k must be between 1 and {self.settings.max_k}, got {k}", "k")
        if mode not in MODES:
            raise QueryError(f"mode must be one of {', '.join(MODES)}, got {shown(mode)}", "mode")
        if sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}, got {shown(sort)}", "sort")
        return SearchRequest(query, k, make_filters(since, until, party, author, source), mode, sort)

    # -- ranking -----------------------------------------------------------

    def weights_for(self, query: str) -> dict[str, float]:
        """Fusion weights by kind of query: short typed queries lean on BM25, pasted ones do not."""
        short = len(query.split()) <= self.settings.short_query_words
        lexical = self.settings.weight_lexical_short if short else self.settings.weight_lexical
        return {"lexical": lexical, "dense": self.settings.weight_dense}

    def rank_units(self, request: SearchRequest, timings: dict[str, float] | None = None,
                   exclude_document: int | None = None) -> Ranked:
        """Fused (unit id, score) best first, before grouping."""
        generation = self.generation()
        retrievers = self._retrievers(request, generation, timings)
        rankings = self._run(retrievers, request)
        ranked = self.rank_mode(rankings, request.query)
        if exclude_document is not None:
            units = self.store.get_units(uid for uid, _ in ranked)
            ranked = [(uid, s) for uid, s in ranked if uid in units and units[uid].document_id != exclude_document]
        dense = next((r for r in retrievers if r.name == "dense"), None)
        return Ranked(ranked, generation, rankings.get("dense"), None if dense is None else dense.query_vector)

    def is_short(self, query: str) -> bool:
        return len(query.split()) <= self.settings.short_query_words

    def floor_for(self, query: str) -> float:
        """The relevance floor (cosine) for this kind of query: a typed one or a pasted question."""
        return self.settings.match_floor_short if self.is_short(query) else self.settings.match_floor

    def judge(self, query: str, similarity: float | None, coverage: float) -> str:
        """Direct or related: the matched text is close enough to the query (cosine at least the
        floor) and, for a few typed words, holds enough of them (``coverage``: the share of the
        query's index terms it holds; docs/match-floor.md)."""
        if similarity is None or similarity < self.floor_for(query):
            return RELATED
        if self.is_short(query) and coverage < self.settings.match_coverage_short:
            return RELATED
        return DIRECT

    def coverages(self, generation: gen.Generation, query: str, unit_ids: list[int]) -> dict[int, float]:
        """Per unit, the share of the query's distinct index terms (lemmatised, stemmed, stop words
        out) it holds, read from the lexical index: the words BM25 sees."""
        terms = list(dict.fromkeys(nlp.index_terms(query)))
        held = dict.fromkeys(unit_ids, 0)
        if not terms or not unit_ids:
            return {uid: 0.0 for uid in held}
        conn = generation.lexical_conn()
        for term in terms:
            for uid in generation.lexical.units_holding(conn, term, unit_ids):
                held[uid] += 1
        return {uid: n / len(terms) for uid, n in held.items()}

    def similarities(self, ranked: Ranked, unit_ids: list[int], query: str) -> dict[int, float]:
        """Cosine of the query with each unit that may reach the floor: the dense retriever's own
        score where it found the unit. A unit it did not find scores below its last candidate: when
        that one is under the floor, so is the unit (left out: related); else it is read from the
        unit's stored vector (BM25 alone found it, or a lexical search)."""
        cosines = dict(ranked.dense or ())
        known = {uid: cosines[uid] for uid in unit_ids if uid in cosines}
        missing = [uid for uid in unit_ids if uid not in known]
        below_floor = bool(ranked.dense) and ranked.dense[-1][1] < self.floor_for(query)
        if missing and not below_floor:
            vector = ranked.query_vector
            if vector is None:
                vector = self.encoder.encode_queries([query])[0]
            known.update(ranked.generation.dense.similarities(vector, missing))
        return known

    def fuse(self, rankings: dict[str, Ranking], query: str) -> Ranking:
        """RRF of the retrievers' candidate lists with the weights this query gets."""
        return reciprocal_rank_fusion({name: [uid for uid, _ in r] for name, r in rankings.items()},
                                      list_weights(self.weights_for(query), rankings, self.settings.letter_weights),
                                      k=self.settings.rrf_k)

    def rank_mode(self, rankings: dict[str, Ranking], query: str) -> Ranking:
        """The one list of a mode: a single retriever's own, else its lists fused."""
        return next(iter(rankings.values())) if len(rankings) == 1 else self.fuse(rankings, query)

    def allowed_units(self, filters: Filters) -> list[int]:
        """Ids of the units passing ``filters``, remembered for the store's current revision:
        filter sets repeat (a collection, a party, one date cut for a day's questions)."""
        key = (filters, self.store.revision())
        with self._allowed_lock:
            if key in self._allowed:
                self._allowed.move_to_end(key)
                return self._allowed[key]
        ids = self.store.unit_ids_matching(filters)
        with self._allowed_lock:
            self._allowed[key] = ids
            while len(self._allowed) > ALLOWED_CACHE_SIZE:
                self._allowed.popitem(last=False)
        return ids

    def candidate_rankings(self, request: SearchRequest, timings: dict[str, float] | None = None,
                           vector: np.ndarray | None = None) -> dict[str, Ranking]:
        """Each retriever's top ``candidates`` (unit id, score) for the request's mode.

        Separate from the fusion so the evaluation can fuse one retrieval many ways.
        ``vector``: the query already encoded (a dossier encodes all its questions in one batch).
        """
        return self._run(self._retrievers(request, self.generation(), timings, vector), request)

    def _retrievers(self, request: SearchRequest, generation: gen.Generation,
                    timings: dict[str, float] | None, vector: np.ndarray | None = None) -> list:
        retrieval = Retrieval(generation, self._encoder, {} if timings is None else timings, vector)
        return [RETRIEVERS[name](retrieval) for name in retrievers_for(request.mode)]

    def _run(self, retrievers: list, request: SearchRequest) -> dict[str, Ranking]:
        """Each retriever's candidates; with the letters apart, over the pieces and (``name:letter``) over
        the whole letters: a short query sits closer to a question than to a letter, which it would crowd out."""
        filters, n = request.filters, self.settings.candidates
        if filters.kinds is not None or not self.settings.letter_weights:
            allowed = None if filters.is_empty() else self.allowed_units(filters)
            return run_retrievers(retrievers, request.query, n, allowed)
        pieces = run_retrievers(retrievers, request.query, n, self.allowed_units(replace(filters, kinds=PIECES)))
        letters = run_retrievers(retrievers, request.query, n, self.allowed_units(replace(filters, kinds=(LETTER,))))
        return {**pieces, **{name + LETTERS: ranking for name, ranking in letters.items()}}

    def retrieve(self, name: str, query: str, n: int, allowed: list[int] | None) -> Ranking:
        """One retriever's top ``n`` over the serving generation (a trend counts by the dense one's cosine)."""
        return RETRIEVERS[name](Retrieval(self.generation(), self._encoder, {})).search(query, n, allowed)

    def search(self, request: SearchRequest) -> SearchResponse:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        ranked = self.rank_units(request, timings)
        # every candidate is judged, so the page can say how many letters match, and sorting by
        # date can pick the newest among all the direct matches
        results = self.results(ranked, request, limit=self.settings.candidates, snippets=False)
        direct_documents = len({r.document["id"] for r in results if r.match == DIRECT})
        if request.sort == "date":
            results = order_by_date(results)
        results = results[: request.k]
        for result in results:  # only what is shown needs its excerpt
            result.snippet = snippet(result.matched_text, request.query)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        return SearchResponse(request.query, results, timings, direct_documents, ranked.generation.dense_coverage)

    def register(self) -> Register:
        """The cases as of today (statuses are computed against the current date, never stored)."""
        return Register(self.store, self.settings.answer_term_days)

    def results(self, ranked: Ranked | Ranking, request: SearchRequest, limit: int,
                dense: Ranking | None = None, snippets: bool = True) -> list[SearchResult]:
        """Ranked units as result cards: one per letter, at most ``limit``, each with the letter's
        other matching questions in ``more`` (up to ``per_document`` questions in all), each judged
        direct or related. A plain ranking (a dossier's own fusion) comes with its ``dense``
        candidates (their cosines), or the query is encoded again to judge it."""
        if not isinstance(ranked, Ranked):
            ranked = Ranked(ranked, self.generation(), dense)
        units = self.store.get_units(uid for uid, _ in ranked.units)
        register = self.register()
        # a question repeated in its answer letter is its original question: one result, with the answer
        original = register.originals(u.question_id for u in units.values())
        question_of = {uid: original.get(u.question_id, u.question_id) for uid, u in units.items()}
        questions = self.store.get_questions(question_of.values())
        kept = [(uid, s) for uid, s in ranked.units if question_of.get(uid) in questions]  # deleted since indexed
        groups = group_per_letter(kept, lambda u: None if units[u].kind == LETTER else question_of[u],
                                  lambda u: questions[question_of[u]].document_id, limit, self.settings.per_document)
        for group in (g for g in groups if g.stand_in is None):  # found by its whole-letter unit alone:
            first = question_of[group.unit]  # its first question, whose unit judges it (the floor's calibration)
            own = [u for u in self.store.units_of_question(first) if u.kind == QUESTION] or [units[group.unit]]
            units[own[0].id], question_of[own[0].id], group.stand_in = own[0], first, own[0].id
        score_of = dict(kept)
        # (the unit that ranks it, the unit that speaks for it, score) per result and per question under it
        shown = [((g.unit, g.stand_in, g.score), [(u, u, score_of[u]) for u in g.more]) for g in groups]
        speakers = [s for top, more in shown for _, s, _ in (top, *more)]
        documents = self.store.get_documents(questions[question_of[u]].document_id for u in speakers)
        fields = register.questions(question_of[u] for u in speakers)
        cases = register.documents(documents)
        cosines = self.similarities(ranked, speakers, request.query)
        floor = self.floor_for(request.query)
        # only a result above the cosine floor needs its word share (and only for a short query)
        near = [u for u in speakers if cosines.get(u, -1.0) >= floor]
        coverage = self.coverages(ranked.generation, request.query, near) if self.is_short(request.query) else {}

        def result(unit_id: int, stand_in: int, score: float) -> SearchResult:
            shown: Unit = units[stand_in]  # what the card shows and is judged by
            stored_q = questions[question_of[stand_in]]
            return SearchResult(
                score=score,
                document={**document_card(documents[stored_q.document_id]), **cases[stored_q.document_id]},
                question=question_object(stored_q, fields[stored_q.id]),
                answer=fields[stored_q.id]["answer"],
                matched="answer" if shown.kind == ANSWER else "question",
                matched_text=shown.text,
                matched_unit=units[unit_id].kind,
                shown_unit=shown.kind,
                similarity=cosines.get(stand_in),
                match=self.judge(request.query, cosines.get(stand_in), coverage.get(stand_in, 0.0)),
                snippet=snippet(shown.text, request.query) if snippets else "",
            )

        out = [result(*top) for top, _ in shown]
        for card, (_, more) in zip(out, shown):
            card.more = [result(*m) for m in more]
        return out

    # -- lookups -----------------------------------------------------------

    def get_document(self, doc_id: int) -> dict | None:
        stored = self.store.get_document(doc_id)
        if stored is None:
            return None
        register = self.register()
        questions = self.store.questions_of(doc_id)
        fields = register.questions(q.id for q in questions)
        card = {**document_card(stored), **register.document(doc_id)}
        card.update(intro=stored.document.intro, other=stored.document.other,
                    questions=[{**question_object(q, fields[q.id]), "answer": fields[q.id]["answer"]}
                               for q in questions])
        return card

    def get_question(self, question_id: int, similar: int = 5) -> dict | None:
        stored = self.store.get_questions([question_id]).get(question_id)
        if stored is None:
            return None
        document = self.store.get_documents([stored.document_id])[stored.document_id]
        request = SearchRequest(stored.question.text[: self.settings.max_query_chars], k=similar)
        ranked = self.rank_units(request, exclude_document=stored.document_id)
        register = self.register()
        fields = register.questions([question_id])[question_id]
        # its answer letter repeats its questions: that is its own letter, not a precedent
        found = [r for r in self.results(ranked, request, limit=similar + 1)
                 if r.document["id"] != stored.document_id]
        return {
            **question_object(stored, fields), "answer": fields["answer"],
            "document": {**document_card(document), **register.document(stored.document_id)},
            "similar": [r.to_dict() for r in found[:similar]],
        }

    def stats(self) -> dict:
        data = {"counts": self.store.counts(), "by_collection_and_year": self.store.counts_by_collection_and_year(),
                "last_indexed": self.store.get_meta("last_indexed")}
        try:
            g = self.generation()
            data["index"] = {"generation": g.id, "units": g.manifest.units, "dense_kind": g.manifest.dense_kind,
                             "model_id": g.manifest.model_id, "dense_coverage": round(g.dense_coverage, 4)}
            data["dense_coverage"] = round(g.dense_coverage, 4)
        except gen.IndexUnavailableError as exc:
            data["index"] = {"error": str(exc)}
        return data
