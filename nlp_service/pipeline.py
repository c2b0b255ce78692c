"""The write path: parse -> store -> units -> a new index generation -> embeddings.

Every write rebuilds the index into a new generation from the store and swaps it in
atomically; search keeps serving the previous generation until the swap. Lexical first
(:mod:`nlp_service.progressive`): the first swap holds BM25 over every unit and the vectors
already cached; what is missing is embedded after it (only new or changed text), with swaps
at bounded intervals, in the foreground (the command line) or in the server's background thread.
"""
from __future__ import annotations

import logging
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import casestore, parsing
from .config import Settings
from .documents import Document
from .embedding import EmbeddingCache, Encoder
from .index import generation
from .locking import WriteLock
from .progressive import DenseFill, fill_needed
from .store import Store
from .units import UNITS_RECIPE, make_units

log = logging.getLogger(__name__)
#: while a long ingest parses and stores (the whole shared corpus: ~2 minutes before the first
#: embedding), what it stored so far is swapped in lexically this often, so search finds it
#: before the last file is read (a swap of 30,000 units: ~5 s, mostly the lexical build)
STORE_REFRESH_S = 30.0


@dataclass
class IngestReport:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)
    units: int = 0
    embedded: int = 0
    generation: str | None = None
    seconds: float = 0.0
    #: texts left to embed in the background (the write returned once lexically searchable)
    pending: int = 0
    #: the dense coverage of the last generation swapped in (1.0: every unit has its vector)
    dense_coverage: float = 1.0
    #: what each swap cost the writer, seconds
    swap_seconds: list[float] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.added + self.replaced

    def summary(self) -> str:
        later = f"; {self.pending} texts to embed in the background" if self.pending else ""
        swaps = (f"; {len(self.swap_seconds)} index swaps (median {statistics.median(self.swap_seconds):.2f} s, "
                 f"at most {max(self.swap_seconds):.2f} s)" if len(self.swap_seconds) > 1 else "")
        return (
            f"{self.added} added, {self.replaced} replaced, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed; {self.units} units indexed ({self.embedded} newly embedded) "
            f"in {self.seconds:.1f} s{later}{swaps}"
        )

    def record(self, fill: DenseFill) -> None:
        self.units, self.pending, self.dense_coverage = len(fill.ids), len(fill.pending), round(fill.coverage, 4)
        self.embedded += fill.embedded
        self.generation = fill.generation or self.generation
        self.swap_seconds.extend(fill.swap_seconds)


class Indexer:
    """Writes documents into the store and keeps the serving index in step with it; built by
    the Service, which hands it the store and the (lazily loaded) encoder it shares with search."""

    def __init__(self, settings: Settings, store: Store, encoder: Callable[[], Encoder]):
        self.settings = settings
        self.store = store
        self._encoder = encoder
        #: one writer per process: uploads and the background embedding take turns (the file lock
        #: below keeps out other processes, and would refuse a second writer of this one)
        self._mutex = threading.Lock()

    @contextmanager
    def writing(self, purpose: str) -> Iterator[None]:
        with self._mutex, WriteLock(self.settings.home, purpose):
            yield

    @property
    def encoder(self) -> Encoder:
        return self._encoder()

    def ingest_paths(self, paths: Iterable[Path], source: str | None = None, progress: bool = False,
                     on_error: Callable[[Path, Exception], None] | None = None, embed: bool = True) -> IngestReport:
        """Parse files and folders, store what changed, and swap in a new index; with ``embed``
        embed what is missing before returning, else leave it (``report.pending``) for later."""
        report = IngestReport()

        def record_error(path: Path, exc: Exception) -> None:
            report.failed.append((str(path), str(exc)))
            if on_error:
                on_error(path, exc)

        documents = parsing.iter_documents(list(paths), source=source, on_error=record_error, progress=progress)
        return self._write(documents, report, progress, "ingest", embed)

    def add_documents(self, documents: Iterable[Document], progress: bool = False, embed: bool = True) -> IngestReport:
        return self._write(documents, IngestReport(), progress, "upload", embed)

    def _write(self, documents: Iterable[Document], report: IngestReport, progress: bool, purpose: str,
               embed: bool) -> IngestReport:
        started = time.perf_counter()
        with self.writing(purpose):
            EmbeddingCache(self.settings.cache_path).close()  # a broken cache fails before the store changes
            self._check_units_model()
            refreshed = time.monotonic()
            for document in documents:
                if report.changed and time.monotonic() - refreshed >= STORE_REFRESH_S:
                    self._index(report, progress=False, embed=False, lexical=True)  # what is stored so far
                    refreshed = time.monotonic()
                report.warnings.extend(document.warnings)
                unchanged = self.store.unchanged_document_id(document)
                if unchanged is not None:  # skip splitting into units: the costly part of a re-ingest
                    report.unchanged += 1
                    report.document_ids.append(unchanged)
                    continue
                units = make_units(document, self.encoder.count_tokens, self.encoder.max_tokens)
                doc_id, status = self.store.upsert_document(document, units)
                setattr(report, status, getattr(report, status) + 1)
                report.document_ids.append(doc_id)
            casestore.rebuild(self.store)  # a new letter may belong to a case that arrived earlier, or found one
            if report.changed or self._index_is_stale():
                self._index(report, progress, embed, lexical=True)
            elif embed and fill_needed(self.settings, self.store, self.encoder.model_id):
                self._index(report, progress, embed, lexical=False)  # an earlier fill did not finish: resume
        report.seconds = time.perf_counter() - started
        return report

    def reindex(self, progress: bool = False, embed: bool = True) -> IngestReport:
        """Rebuild every index from the store into new files and swap them in."""
        report = IngestReport()
        started = time.perf_counter()
        with self.writing("reindex"):
            self._check_units_model(force=True)
            casestore.rebuild(self.store)
            self._index(report, progress, embed, lexical=True)
        report.seconds = time.perf_counter() - started
        return report

    def delete_document(self, doc_id: int) -> bool:
        with self.writing("delete"):
            deleted = self.store.delete_document(doc_id)
            if deleted:
                casestore.rebuild(self.store)
                self._index(IngestReport(), progress=False, embed=True, lexical=True)
        return deleted

    def start_fill(self, encoder: Callable[[], Encoder] | None = None) -> DenseFill | None:
        """The fill the serving generation needs, embedding with ``encoder`` (made only then;
        default the indexer's), or None when it is complete. Hold ``writing``."""
        if generation.serving_manifest(self.settings.home) is None or not fill_needed(
                self.settings, self.store, self.encoder.model_id):
            return None
        return DenseFill(self.settings, self.store, encoder() if encoder else self.encoder)

    def _index(self, report: IngestReport, progress: bool, embed: bool, lexical: bool) -> None:
        """Swap in the lexical index with the cached vectors (when ``lexical``), then embed the rest."""
        fill = DenseFill(self.settings, self.store, self.encoder, progress=progress and embed)
        try:
            if lexical:
                fill.swap(lexical=True)
            if embed:
                fill.run()
            report.record(fill)
        finally:
            fill.close()

    def _index_is_stale(self) -> bool:
        """True when no index serves, it was built before the store's last change (an earlier
        run stored documents and died before it swapped the index in), with another model or with
        other unit rules."""
        manifest = generation.serving_manifest(self.settings.home)
        return (manifest is None or manifest.store_revision != self.store.revision()
                or manifest.model_id != self.encoder.model_id or manifest.units_recipe != UNITS_RECIPE)

    def _check_units_model(self, force: bool = False) -> None:
        """Units are cut to the model's window, by our rules: re-split them when either changed."""
        tokenizer_id = f"{self.settings.model_id}:{self.encoder.max_tokens}:units-{UNITS_RECIPE}"
        if self.store.get_meta("units_tokenizer") == tokenizer_id and not force:
            return
        if self.store.get_meta("units_tokenizer") not in (None, tokenizer_id):
            log.info("model or unit rules changed: re-splitting every document into units")
            for stored in self.store.iter_documents():
                units = make_units(stored.document, self.encoder.count_tokens, self.encoder.max_tokens)
                self.store.replace_units({stored.id: units})
        self.store.set_meta("units_tokenizer", tokenizer_id)
