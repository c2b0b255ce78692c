"""The service: the one core that the command line, the web app, the evaluation and the
benchmarks build once per process and talk to.

It owns the settings, the index home's paths (:class:`~nlp_service.home.Home`), the store,
the encoder (loaded on first use, once), the search engine and the indexer; the engine and
the indexer share its store and its encoder, so an upload writes with the model that
serves the searches. Its errors are :class:`~nlp_service.errors.ServiceError`s.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from . import casestore, feeds, nlp, trend
from .commitment_search import find_commitments
from .config import Settings
from .deadlines import PENDING, STATUSES
from .documents import Document
from .dossier import DossierBuilder
from .embedding import Encoder, open_encoder
from .errors import Unavailable
from .pipeline import Indexer, IngestReport
from .progressive import BackgroundEmbedder
from .retrievers import FUSED, SORTS
from .search import (QueryError, SearchEngine, SearchRequest, SearchResponse, document_card, make_filters,
                     question_object)
from .store import Store, StoredDocument


class NoStoreError(Unavailable):
    """A reading command or the server was pointed at a home without a store."""


class Service:
    """The service over one index home; cheap to make: every part is made when first used."""

    def __init__(self, settings: Settings, encoder: Encoder | None = None):
        self.settings = settings
        self.home = settings.paths
        #: the parts made so far (store, encoder, engine, indexer); an encoder may be handed in
        self._parts: dict[str, object] = {} if encoder is None else {"encoder": encoder}
        self._lock = threading.RLock()

    def require_store(self) -> None:
        """For reading and serving: never create a home, so a mistyped home is an error, not a new empty store."""
        if not self.home.store.exists():
            raise NoStoreError(f"no store in {self.home.root}: run `nlp-service ingest PATH` first")

    # -- parts, made on first use, once ---------------------------------------

    def _part(self, name: str, make: Callable[[], object]):
        with self._lock:
            if name not in self._parts:
                self._parts[name] = make()
            return self._parts[name]

    @property
    def store(self) -> Store:
        return self._part("store", lambda: Store(self.home.store))

    @property
    def encoder(self) -> Encoder:
        """The model, loaded once (seconds, hundreds of MB) by the first search or write that needs it."""
        return self._part("encoder", lambda: open_encoder(self.settings))

    def _load_encoder(self) -> Encoder:
        return self.encoder

    @property
    def engine(self) -> SearchEngine:
        return self._part("engine", lambda: SearchEngine(self.settings, self.store, self._load_encoder))

    @property
    def indexer(self) -> Indexer:
        return self._part("indexer", lambda: Indexer(self.settings, self.store, self._load_encoder))

    @property
    def background_encoder(self) -> Encoder:
        """The background embedding's own encoder, on one thread fewer than the searches' (at
        least one): a query then finds a core its encoder does not compete for."""
        threads = max(1, self.settings.threads - 1)
        return self._part("background_encoder", lambda: open_encoder(self.settings.replace(threads=threads)))

    @property
    def background(self) -> BackgroundEmbedder | None:
        """The background embedding thread, when :meth:`start_background` started it."""
        return self._parts.get("background")  # type: ignore[return-value]

    def start_background(self) -> BackgroundEmbedder:
        """Embed in a background thread from now on: writes return once lexically searchable.
        Starts on what the serving generation lacks (a demo ingested lexically, a killed ingest)."""
        embedder = self._part("background", lambda: BackgroundEmbedder(self.indexer, lambda: self.background_encoder))
        embedder.start()
        embedder.kick()
        return embedder

    def close(self) -> None:
        """Stop the background embedding between two batches (the server's clean shutdown)."""
        with self._lock:
            embedder = self._parts.pop("background", None)
        if embedder is not None:
            embedder.stop()

    def warm_up(self) -> None:
        """Load the index and the model now rather than on the first request."""
        self.engine.generation()
        self.encoder.encode_queries(["opwarmen"])
        nlp.index_terms("opwarmen")  # a word long enough to load the decompounder's word list (~1 s)

    # -- reading -------------------------------------------------------------

    def make_request(self, query: str | None, k=10, since=None, until=None, party=None, author=None,
                     source=None, mode: str = FUSED, sort: str = SORTS[0]) -> SearchRequest:
        return self.engine.make_request(query, k, since, until, party, author, source, mode, sort)

    def search(self, request: SearchRequest) -> SearchResponse:
        return self.engine.search(request)

    def get_document(self, doc_id: int) -> dict | None:
        return self.engine.get_document(doc_id)

    def get_question(self, question_id: int) -> dict | None:
        return self.engine.get_question(question_id)

    def stats(self) -> dict:
        return self.engine.stats()

    def trend(self, request: SearchRequest) -> dict:
        """How many questions match the request, per year and per party (trend.py)."""
        return trend.trend(self.engine, request)

    def newest_matches(self, request: SearchRequest) -> list[dict]:
        """The questions matching a saved search, newest first: a feed's entries (feeds.py)."""
        return feeds.newest_matches(self.engine, request)

    def commitments(self, request: SearchRequest, with_query: bool, limit: int) -> dict:
        """The college's newest commitments within the request (commitment_search.py)."""
        return find_commitments(self.engine, request, with_query, limit)

    def stored_document(self, doc_id: int) -> StoredDocument | None:
        """A stored document as parsed (``get_document`` gives its JSON card with questions)."""
        return self.store.get_document(doc_id)

    def dossier(self, letter: Document, document_id: int | None = None) -> dict:
        """The precedent dossier of ``letter`` (stored as ``document_id``, or not stored)."""
        return DossierBuilder(self.engine).build(letter, document_id)

    def filter_options(self) -> dict:
        """What the search form's filter menus offer."""
        return {"parties": self.store.facet("party"), "authors": self.store.facet("author"),
                "collections": self.store.collections()}

    def coverage(self) -> dict:
        return {"counts": self.store.counts(), "last_indexed": self.store.get_meta("last_indexed"),
                "dense_coverage": self.dense_coverage()}

    def dense_coverage(self) -> float | None:
        """The share of the units dense search finds (below 1 while embedding in the background);
        None without a usable index."""
        try:
            return round(self.engine.generation().dense_coverage, 4)
        except Unavailable:
            return None

    def health(self) -> dict:
        """The serving index and its size; raises Unavailable when there is no usable index or store."""
        try:
            generation = self.engine.generation()
            documents = self.store.counts()["documents"]
        except sqlite3.Error as exc:
            raise Unavailable(str(exc)) from None
        return {"index": generation.id, "documents": documents, "units": generation.manifest.units,
                "model_id": generation.manifest.model_id, "dense_coverage": round(generation.dense_coverage, 4)}

    def questions_by_status(self, statuses: str | list[str] | None = None, since=None, until=None, party=None,
                            author=None, source=None) -> list[dict]:
        """Question objects with their document card, of the given statuses (default: every
        status still to watch), oldest due date first: the griffie's termijnbewaking."""
        wanted = PENDING if not statuses else [statuses] if isinstance(statuses, str) else list(statuses)
        unknown = [s for s in wanted if s not in STATUSES]
        if unknown:
            raise QueryError(f"status must be one of {', '.join(STATUSES)}, got {unknown[0]!r}", "status")
        pending = self.engine.register().pending(wanted, make_filters(since, until, party, author, source))
        questions = self.store.get_questions(qid for qid, _, _ in pending)
        documents = self.store.get_documents(doc_id for _, doc_id, _ in pending)
        return [{**question_object(questions[qid], fields), "answer": fields["answer"],
                 "document": document_card(documents[doc_id])} for qid, doc_id, fields in pending]

    def unmatched_answer_letters(self) -> list[dict]:
        return self.engine.register().unmatched_answer_letters()

    def link_letters(self, doc_id: int, other_id: int) -> None:
        """Put a letter in another's case (kept across reindexing); effective at once."""
        with self.indexer.writing("cases link"):  # in turn with uploads and the background embedding
            casestore.link(self.store, doc_id, other_id)

    def unlink_letter(self, doc_id: int) -> None:
        """Take a letter out of its case (kept across reindexing); effective at once."""
        with self.indexer.writing("cases unlink"):
            casestore.unlink(self.store, doc_id)

    # -- writing -------------------------------------------------------------

    def ingest_paths(self, paths: Iterable[Path], source: str | None = None, progress: bool = False,
                     on_error: Callable[[Path, Exception], None] | None = None, embed: bool = True) -> IngestReport:
        """``embed=False``: return once stored and lexically searchable; the embedding follows
        (in the background thread when one runs, else by the next ingest, reindex or ``serve``)."""
        return self._after_write(self.indexer.ingest_paths(paths, source=source, progress=progress,
                                                           on_error=on_error, embed=embed and self.background is None))

    def add_documents(self, documents: Iterable[Document], progress: bool = False) -> IngestReport:
        """Stored and searchable on return; with a background thread (the server) lexically, the
        embedding following in that thread."""
        return self._after_write(self.indexer.add_documents(documents, progress=progress,
                                                            embed=self.background is None))

    def reindex(self, progress: bool = False, embed: bool = True) -> IngestReport:
        return self._after_write(self.indexer.reindex(progress=progress, embed=embed and self.background is None))

    def _after_write(self, report: IngestReport) -> IngestReport:
        if self.background is not None and report.pending:
            self.background.kick()
        return report

    def migrate(self) -> list[int]:
        """Upgrade the store's schema; returns the versions reached (none: it was up to date)."""
        store = Store(self.home.store, upgrade=True)
        self.close()
        if store.migrated:  # what is derived from the documents (letter kinds, cases) for what is stored
            casestore.rebuild(store)
        with self._lock:  # the parts made over the store before it was upgraded go with it
            self._parts = {name: part for name, part in self._parts.items() if name in ("encoder", "background_encoder")}
            self._parts["store"] = store
        return store.migrated
