"""The write path: parse -> store -> units -> embeddings -> a new index generation.

Every write rebuilds the index into a new generation from the store, with
embeddings from the cache, and swaps it in atomically; search keeps serving
the previous generation until the swap. Only new or changed text is embedded.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import casestore, parsing
from .config import Settings
from .documents import Document
from .embedding import EmbeddingCache, Encoder, encode_documents_cached
from .index import generation
from .locking import WriteLock
from .store import Store
from .units import UNITS_RECIPE, make_units

log = logging.getLogger(__name__)


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

    @property
    def changed(self) -> int:
        return self.added + self.replaced

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.replaced} replaced, {self.unchanged} unchanged, "
            f"{len(self.failed)} failed; {self.units} units indexed ({self.embedded} newly embedded) "
            f"in {self.seconds:.1f} s"
        )


class Indexer:
    """Writes documents into the store and keeps the serving index in step with it; built by
    the Service, which hands it the store and the (lazily loaded) encoder it shares with search."""

    def __init__(self, settings: Settings, store: Store, encoder: Callable[[], Encoder]):
        self.settings = settings
        self.store = store
        self._encoder = encoder

    @property
    def encoder(self) -> Encoder:
        return self._encoder()

    def ingest_paths(self, paths: Iterable[Path], source: str | None = None, progress: bool = False,
                     on_error: Callable[[Path, Exception], None] | None = None) -> IngestReport:
        """Parse files and folders, store what changed, and swap in a new index."""
        report = IngestReport()

        def record_error(path: Path, exc: Exception) -> None:
            report.failed.append((str(path), str(exc)))
            if on_error:
                on_error(path, exc)

        documents = parsing.iter_documents(list(paths), source=source, on_error=record_error, progress=progress)
        return self._write(documents, report, progress, purpose="ingest")

    def add_documents(self, documents: Iterable[Document], progress: bool = False) -> IngestReport:
        return self._write(documents, IngestReport(), progress, purpose="upload")

    def _write(self, documents: Iterable[Document], report: IngestReport, progress: bool, purpose: str) -> IngestReport:
        started = time.perf_counter()
        with WriteLock(self.settings.home, purpose):
            EmbeddingCache(self.settings.cache_path).close()  # a broken cache fails before the store changes
            self._check_units_model()
            for document in documents:
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
                self._build_and_swap(report, progress)
        report.seconds = time.perf_counter() - started
        return report

    def reindex(self, progress: bool = False) -> IngestReport:
        """Rebuild every index from the store into new files and swap them in."""
        report = IngestReport()
        started = time.perf_counter()
        with WriteLock(self.settings.home, "reindex"):
            self._check_units_model(force=True)
            casestore.rebuild(self.store)
            self._build_and_swap(report, progress)
        report.seconds = time.perf_counter() - started
        return report

    def delete_document(self, doc_id: int) -> bool:
        with WriteLock(self.settings.home, "delete"):
            deleted = self.store.delete_document(doc_id)
            if deleted:
                casestore.rebuild(self.store)
                self._build_and_swap(IngestReport(), progress=False)
        return deleted

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

    def _build_and_swap(self, report: IngestReport, progress: bool) -> None:
        revision = self.store.revision()
        units = list(self.store.iter_units())
        ids = np.array([u.id for u in units], dtype=np.int64)
        cache = EmbeddingCache(self.settings.cache_path)
        try:
            before = cache.count(self.encoder.model_id)
            vectors = encode_documents_cached(self.encoder, cache, [u.text for u in units], progress=progress)
            report.embedded = cache.count(self.encoder.model_id) - before
        finally:
            cache.close()
        if len(units) == 0:
            vectors = np.zeros((0, self.encoder.dim), dtype=np.float32)
        gen_id = generation.write_generation(
            self.settings.home, ids, vectors, ((u.id, u.text) for u in units), self.encoder.model_id,
            store_revision=revision, units_recipe=UNITS_RECIPE,
        )
        generation.activate(self.settings.home, gen_id)
        generation.prune(self.settings.home)
        self.store.set_meta("last_indexed", time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        report.units = len(units)
        report.generation = gen_id
