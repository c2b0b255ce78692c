"""The precedent dossier of an incoming letter: per question its earlier precedents, an
"asked before?" verdict, and the earlier letters most like the whole letter.

Computed on request from the search core, nothing stored. All the letter's questions
are encoded in one batch (one encoder call instead of one per question); each is then
searched like a pasted question (BM25 + dense, fused), with the letter itself left out.

``asked_before`` is meant for a near-duplicate, not for the same topic: it needs an
earlier *question* whose embedding is close to the new one AND whose content words
largely coincide; a generic question ("Wat is de stand van zaken?") also needs the two
letters' subject to coincide, and the new question's rare words must all be in the earlier
one. The rule and its constants come from a calibration on labelled pairs and on the
dossier's own candidates over the whole corpus (scripts/calibrate_asked_before.py,
docs/asked-before.md).
"""
from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from . import nlp
from .documents import Document
from .parsing import ParseError
from .search import Filters, SearchEngine, SearchRequest, document_card
from .store import StoredQuestion
from .units import LETTER, Unit, question_text

if TYPE_CHECKING:
    from .index.generation import Generation

#: precedents shown per question
PRECEDENTS = 5
#: earlier letters shown for the whole letter
SIMILAR_LETTERS = 5
#: question units of each question's dense candidates checked for a near-duplicate
VERDICT_CANDIDATES = 10
#: a letter "matches" a question when one of its units is among that question's best fused units
SIMILAR_DEPTH = 20

Rankings = dict[str, list[tuple[int, float]]]


def one_letter(documents: Sequence[Document], name: str) -> Document:
    """The single letter a dossier is made for; ParseError when there is none, several, or
    one without questions (nothing to look up)."""
    if not documents:
        raise ParseError(name, "no letter found in it")
    if len(documents) > 1:
        raise ParseError(name, f"it holds {len(documents)} documents; a dossier is made for one letter")
    if not documents[0].questions:
        raise ParseError(name, "no numbered questions found in the letter")
    return with_heading_as_title(documents[0])


#: a first line of the introduction this short, ending without punctuation, is the letter's heading
HEADING_MAX_CHARS = 150


def _alnum(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def with_heading_as_title(letter: Document) -> Document:
    """A new letter whose title the parser could only derive from its (file) name takes its
    heading instead: the title prefixes every question's query, and ``Upload 3f2a...`` or
    ``Brief`` would steer the search wrong."""
    lines = [line.strip() for line in letter.intro.splitlines() if line.strip()]
    derived = not letter.title or _alnum(letter.title) in _alnum(letter.external_id)
    if derived and lines and len(lines[0]) <= HEADING_MAX_CHARS and lines[0][-1] not in ".,:;?!":
        letter.title = lines[0]
        letter.intro = letter.intro.strip()[len(lines[0]):].strip()
    elif derived and letter.external_id.startswith("upload-"):
        letter.title = ""  # a content hash says nothing about the subject
    return letter


@dataclass(frozen=True)
class PairEvidence:
    """What the rule weighs for a new question against an earlier one."""

    cosine: float  # dense, the new question (after its letter's title) against the earlier unit
    overlap: float  # Jaccard of the two questions' content words
    shared: int  # content words in common
    #: the highest IDF among the new question's content words that the earlier question lacks (0: none)
    unmatched_idf: float


@dataclass(frozen=True)
class AskedBeforeRule:
    """A logistic model over (dense cosine, content-word Jaccard) and a threshold on it, with two
    conditions for what the logistic cannot see (docs/asked-before.md):

    * a *generic* pair (fewer than ``specific_shared`` content words in common: "Wat is de stand
      van zaken?") fires only at a cosine of at least ``generic_cosine``; that cosine carries
      both letters' titles, so the two questions must also stand in letters on one subject;
    * every content word of the new question that the earlier one lacks must be common (IDF in
      the index at most ``max_unmatched_idf``): a question on *Artsen Zonder Grenzen* does not
      re-ask the same template question on *Vluchtelingenwerk Vlaanderen*.

    The logistic is fitted on labelled pairs; the two conditions on the dossier's own candidates
    over the whole corpus, both on letters before the calibration's split date.
    """

    intercept: float
    w_cosine: float
    w_overlap: float
    threshold: float
    specific_shared: int = 0
    generic_cosine: float = 0.0
    max_unmatched_idf: float = math.inf

    def confidence(self, cosine: float, overlap: float) -> float:
        z = self.intercept + self.w_cosine * cosine + self.w_overlap * overlap
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def fires(self, evidence: PairEvidence) -> bool:
        return (self.confidence(evidence.cosine, evidence.overlap) >= self.threshold
                and (evidence.shared >= self.specific_shared or evidence.cosine >= self.generic_cosine)
                and evidence.unmatched_idf <= self.max_unmatched_idf)


#: calibrated by scripts/calibrate_asked_before.py (docs/asked-before.md)
RULE = AskedBeforeRule(intercept=-15.0454, w_cosine=12.5981, w_overlap=6.3874, threshold=0.3758,
                       specific_shared=6, generic_cosine=0.93, max_unmatched_idf=5.5)


def content_terms(text: str) -> frozenset[str]:
    """Without compound parts: RULE's overlap weight was calibrated on whole-word terms."""
    return frozenset(nlp.index_terms(text, compound_parts=False))


def jaccard(x: frozenset[str], y: frozenset[str]) -> float:
    return len(x & y) / len(x | y) if x and y else 0.0


def term_overlap(a: str, b: str) -> float:
    """Jaccard of the two texts' content words (lemmatised, stemmed, stop words dropped)."""
    return jaccard(content_terms(a), content_terms(b))


def pair_evidence(new: str, earlier: str, cosine: float, idf: Callable[[str], float]) -> PairEvidence:
    a, b = content_terms(new), content_terms(earlier)
    return PairEvidence(cosine, jaccard(a, b), len(a & b), max((idf(t) for t in a - b), default=0.0))


#: a word in at most this many units counts as unknown, not rare: a typo, words glued by PDF
#: extraction ("hetbesluit", "debegrotingsbehandeling": all five Tweede Kamer pairs were lost to
#: them), a letter's own hapax. It says nothing about whether the subject differs.
UNKNOWN_DF = 2
#: terms whose IDF a server keeps per index generation
RARITY_CACHE = 50_000


class TermRarity:
    """The IDF of analysed terms over one index generation's pieces (intro, question and answer
    units): ln((N + 1) / (df + 1)) over its N pieces; 0 for a word the index has (nearly) never seen
    (:data:`UNKNOWN_DF`). The whole-letter units are left out of both counts: they repeat every
    question word once more (on the evaluation home, 4,311 of 34,750 units), which would lower each
    IDF by up to ln 2 and loosen ``max_unmatched_idf``, calibrated on an index without them."""

    def __init__(self, generation: "Generation", letter_units: list[int]):
        self.generation_id = generation.id
        self._generation = generation
        self._letters = letter_units
        self.pieces = max(0, generation.manifest.units - len(letter_units))
        self._idf: dict[str, float] = {}

    def idf(self, term: str) -> float:
        found = self._idf.get(term)
        if found is None:
            g, conn = self._generation, self._generation.lexical_conn()
            df = g.lexical.document_frequency(conn, term)
            if self._letters and df:
                df -= g.lexical.document_frequency(conn, term, within=self._letters)
            if len(self._idf) >= RARITY_CACHE:  # pasted letters bring words without end
                self._idf.clear()
            found = self._idf[term] = math.log((self.pieces + 1) / (df + 1)) if df > UNKNOWN_DF else 0.0
        return found


def same_text(text: str) -> str:
    """A text compared for identity: composed accents, lower case, whitespace folded."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def _ends_with_any(text: str, endings: Sequence[str]) -> bool:
    normalised = same_text(text)
    return any(normalised.endswith(e) for e in endings)


@dataclass(frozen=True)
class Verdict:
    question_id: int
    document_id: int
    cosine: float
    overlap: float
    confidence: float

    def to_dict(self) -> dict:
        return {"question_id": self.question_id, "score": round(self.cosine, 4), "overlap": round(self.overlap, 4),
                "confidence": round(self.confidence, 4), "document_id": self.document_id}


@dataclass
class QuestionSearch:
    """One question of the letter: its query, each retriever's candidates (the letter left out)
    and their fusion."""

    text: str
    query: str
    request: SearchRequest
    rankings: Rankings
    fused: list[tuple[int, float]]


class DossierBuilder:
    def __init__(self, engine: SearchEngine, k: int = PRECEDENTS, similar: int = SIMILAR_LETTERS,
                 rule: AskedBeforeRule = RULE):
        self.engine = engine
        self.k = k
        self.similar = similar
        self.rule = rule
        self._rarity: TermRarity | None = None

    # -- the dossier ---------------------------------------------------------

    def build(self, letter: Document, document_id: int | None = None, filters: Filters | None = None) -> dict:
        """The dossier of ``letter`` (stored as ``document_id``, or not stored).

        Precedents are letters submitted up to the letter's own date (when it has one);
        ``filters`` overrides that (the evaluation searches strictly before).
        """
        if filters is None:
            filters = Filters(until=letter.submitted or None)
        searches, units = self.search_questions(letter, document_id, filters)
        questions = []
        for question, search in zip(letter.questions, searches):
            verdict = self.verdict(search, units)
            questions.append({"number": question.number, "text": question.text,
                              "asked_before": verdict.to_dict() if verdict else None,
                              "precedents": self._precedents(search, verdict, units)})
        letter_dict = letter.to_dict()
        if document_id is not None:
            letter_dict = {"id": document_id, **letter_dict}
        return {"letter": letter_dict, "questions": questions,
                "similar_letters": self.similar_letters(searches, units)}

    def search_questions(self, letter: Document, document_id: int | None,
                         filters: Filters) -> tuple[list[QuestionSearch], dict[int, Unit]]:
        """Every question searched, encoded in one batch; the letter's own copies left out."""
        limit = self.engine.settings.max_query_chars
        queries = [question_text(letter, q.text)[:limit] for q in letter.questions]
        requests = [SearchRequest(query, k=self.k, filters=filters) for query in queries]
        # BM25 for every question runs while the batch is encoded (SQLite and onnxruntime both
        # release the GIL), as a single search overlaps its own two retrievers
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dossier-encode") as pool:
            encoding = pool.submit(self.engine.encoder.encode_queries, queries)
            lexical = [self.engine.candidate_rankings(replace(r, mode="lexical")) for r in requests]
            vectors = encoding.result()
        rankings = [{**found, **self.engine.candidate_rankings(replace(r, mode="dense"), vector=v)}
                    for r, found, v in zip(requests, lexical, vectors)]
        units = self.engine.store.get_units({uid for r in rankings for ranking in r.values() for uid, _ in ranking})
        excluded = self.own_copies(letter, document_id, units)
        searches = []
        for question, query, request, found in zip(letter.questions, queries, requests, rankings):
            kept = {name: [(uid, s) for uid, s in ranking if uid in units and units[uid].document_id not in excluded]
                    for name, ranking in found.items()}
            searches.append(QuestionSearch(question.text, query, request, kept, self.engine.fuse(kept, query)))
        return searches, units

    def own_copies(self, letter: Document, document_id: int | None, units: dict[int, Unit]) -> set[int]:
        """The letter as stored: its id; for a letter not (known to be) stored, a document with the
        same collection and id, or with the same question texts. A stored letter keeps its
        identical siblings (the same letter sent to another minister earlier is a precedent)."""
        store = self.engine.store
        if document_id is not None:
            return {document_id}
        excluded: set[int] = set()
        found = store.find_document(letter.source, letter.external_id) if letter.external_id else None
        if found is not None:
            excluded.add(found[0])
        own = [same_text(q.text) for q in letter.questions]
        # a question unit is the stored question, after its own letter's title
        suspects = {u.document_id for u in units.values() if u.kind == "question" and _ends_with_any(u.text, own)}
        for doc_id in suspects - excluded:
            if [same_text(q.question.text) for q in store.questions_of(doc_id)] == own:
                excluded.add(doc_id)
        return excluded

    # -- asked before? -------------------------------------------------------

    def verdict(self, search: QuestionSearch, units: dict[int, Unit]) -> Verdict | None:
        """The most confident earlier question that asks the same thing, if the rule fires."""
        best: Verdict | None = None
        idf = self.rarity().idf
        for earlier, cosine in self.candidates(search, units):
            evidence = pair_evidence(search.text, earlier.question.text, cosine, idf)
            if not self.rule.fires(evidence):
                continue
            confidence = self.rule.confidence(cosine, evidence.overlap)
            if best is None or confidence > best.confidence:
                best = Verdict(earlier.id, earlier.document_id, cosine, evidence.overlap, confidence)
        return best

    def rarity(self) -> TermRarity:
        """The serving generation's term rarity, kept while that generation serves."""
        generation = self.engine.generation()
        if self._rarity is None or self._rarity.generation_id != generation.id:
            self._rarity = TermRarity(generation, self.engine.allowed_units(Filters(kinds=(LETTER,))))
        return self._rarity

    def candidates(self, search: QuestionSearch, units: dict[int, Unit]) -> list[tuple[StoredQuestion, float]]:
        """(stored question, dense cosine) of the question's best dense *question* candidates: what
        the rule weighs, and what its calibration is fitted on."""
        found = [(uid, cosine) for uid, cosine in search.rankings.get("dense", [])
                 if units[uid].kind == "question"][:VERDICT_CANDIDATES]
        stored = self.engine.store.get_questions(units[uid].question_id for uid, _ in found)
        return [(stored[units[uid].question_id], cosine) for uid, cosine in found if units[uid].question_id in stored]

    # -- precedents and similar letters --------------------------------------

    def _precedents(self, search: QuestionSearch, verdict: Verdict | None, units: dict[int, Unit]) -> list[dict]:
        results = self.engine.results(search.fused, search.request, limit=self.k, dense=search.rankings.get("dense"))
        if verdict is not None and all(r.question["id"] != verdict.question_id for r in results):
            # the earlier question that triggers the warning is always shown, with its answer
            trigger = [(uid, s) for uid, s in search.rankings["dense"]
                       if units[uid].question_id == verdict.question_id][:1]
            first = self.engine.results(trigger, search.request, limit=1, dense=search.rankings.get("dense"))
            # one card per letter: the trigger's letter shows it first (its other questions then go)
            results = first + [r for r in results if r.document["id"] != verdict.document_id][: self.k - 1]
        return [r.for_page() for r in results]

    def similar_letters(self, searches: Sequence[QuestionSearch], units: dict[int, Unit]) -> list[dict]:
        """Earlier letters by how many of the letter's questions they answer, and how well:
        the sum over questions of the letter's best fused score among that question's
        ``SIMILAR_DEPTH`` best units."""
        totals: dict[int, float] = defaultdict(float)
        matched: dict[int, int] = defaultdict(int)
        for search in searches:
            best: dict[int, float] = {}
            for uid, score in search.fused[:SIMILAR_DEPTH]:
                doc_id = units[uid].document_id
                best[doc_id] = max(best.get(doc_id, 0.0), score)
            for doc_id, score in best.items():
                totals[doc_id] += score
                matched[doc_id] += 1
        top = sorted(totals, key=lambda d: (-totals[d], d))[: self.similar]
        documents = self.engine.store.get_documents(top)
        return [{"score": round(totals[d], 6), "questions_matched": matched[d], "document": document_card(documents[d])}
                for d in top if d in documents]
