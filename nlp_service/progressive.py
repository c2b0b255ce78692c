"""Lexical first, the dense index after: searchable in seconds, semantic within minutes.

Embedding is the slow part of a write (a cold ingest of the whole shared corpus: 22 minutes of
both cores), so a write swaps in a generation with the lexical index over every unit and the
vectors the cache already holds first, and only then embeds what is missing (:class:`DenseFill`),
batch by batch, swapping in a generation with the vectors so far at bounded intervals. Hybrid
search meanwhile fuses the dense side over the embedded units with BM25 over all of them, and
every surface reports the share embedded (``dense_coverage``), as Elasticsearch makes a document
searchable within its refresh interval and enriches it behind.

Progress lives in the embedding cache: a killed fill loses at most one batch, and the next
ingest, reindex or server start resumes from the cache. The server embeds in one background
thread (:class:`BackgroundEmbedder`) that takes the write lock per batch, so uploads get their
turn within one batch's time.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .config import Settings
from .embedding import EmbeddingCache, Encoder
from .index import generation
from .locking import BACKGROUND_PURPOSE, WriterBusyError
from .store import Store
from .units import UNITS_RECIPE

if TYPE_CHECKING:
    from .pipeline import Indexer

log = logging.getLogger(__name__)

#: texts embedded per step: a few seconds on two cores (~35 passages/s), so an upload waits at
#: most that long for the background thread to hand over the write lock, and a kill loses no more
FILL_BATCH = 128
#: how long the background thread waits before it tries again when another process holds the lock
BUSY_RETRY_S = 5.0
#: the pause between two batches without the write lock: a writer of another process (an ingest
#: run by cron) polls for it every 50 ms and takes its turn
BETWEEN_BATCHES_S = 0.2
#: nice value of the background thread (and of the encoder threads it starts): searches come first
BACKGROUND_NICE = 10


class DenseFill:
    """The store's units as one snapshot: the vectors the cache holds, and the texts still to
    embed; swaps in generations of that snapshot with the vectors found so far.

    Only use while holding the write lock (the swaps prune, and assume one writer)."""

    def __init__(self, settings: Settings, store: Store, encoder: Encoder, progress: bool = False):
        self.settings, self.store, self.encoder = settings, store, encoder
        self.revision = store.revision()
        units = list(store.iter_units())
        self.ids = np.array([u.id for u in units], dtype=np.int64)
        self.texts = [u.text for u in units]
        self.vectors = np.zeros((len(units), encoder.dim), dtype=np.float32)
        self.have = np.zeros(len(units), dtype=bool)
        self.cache = EmbeddingCache(settings.cache_path)
        for i, vector in self.cache.get_many(encoder.model_id, self.texts).items():
            self.vectors[i], self.have[i] = vector, True
        #: positions of each distinct text without a vector: a repeated text is embedded once
        self._positions: dict[str, list[int]] = {}
        for i in np.flatnonzero(~self.have):
            self._positions.setdefault(self.texts[i], []).append(int(i))
        self.pending = list(self._positions)
        self.embedded = 0  # distinct texts embedded by this fill
        self.swap_seconds: list[float] = []  # what each swap cost the writer
        self.generation: str | None = None  # the last generation this fill swapped in
        self._since_swap = 0
        self._last_swap = time.monotonic()
        self._bar = self._progress_bar(progress)

    def _progress_bar(self, progress: bool):
        from tqdm.auto import tqdm

        return tqdm(total=len(self.pending), desc="embedding", unit="text", disable=not progress or not self.pending)

    @property
    def done(self) -> bool:
        return not self.pending

    @property
    def coverage(self) -> float:
        return float(self.have.mean()) if len(self.have) else 1.0

    def is_current(self) -> bool:
        """False once the store changed after the snapshot (an upload): start a new fill."""
        return self.store.revision() == self.revision

    def serving_matches(self) -> bool:
        """True when the serving generation is this snapshot with every vector found so far."""
        manifest = generation.serving_manifest(self.settings.home)
        return (manifest is not None and manifest.store_revision == self.revision
                and manifest.units_recipe == UNITS_RECIPE and manifest.model_id == self.encoder.model_id
                and manifest.units == len(self.ids) and manifest.dense_units == int(self.have.sum()))

    def step(self, n: int | None = None) -> None:
        """Embed the next ``n`` (default FILL_BATCH) missing texts into the cache; swap when the
        interval has passed."""
        n = n or FILL_BATCH
        batch, self.pending = self.pending[:n], self.pending[n:]
        if batch:
            vectors = self.encoder.encode_documents(batch)
            self.cache.put_many(self.encoder.model_id, batch, vectors)
            for text, vector in zip(batch, vectors):
                positions = self._positions.pop(text)
                self.vectors[positions], self.have[positions] = vector, True
            self.embedded += len(batch)
            self._since_swap += len(batch)
            self._bar.update(len(batch))
        if self._since_swap and time.monotonic() - self._last_swap >= self.settings.swap_seconds:
            self.swap()

    def run(self, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Embed everything missing (in the foreground), then swap in the complete generation."""
        while not self.done and not should_stop():
            self.step()
        self.finish()

    def finish(self) -> None:
        """Swap in what was embedded since the last swap (nothing when the serving one is this)."""
        if self._since_swap or not self.serving_matches():
            self.swap()
        self._bar.close()

    def swap(self, lexical: bool = False) -> str:
        """Write a generation of the snapshot with the vectors so far and make it serve.

        The lexical index is rebuilt when ``lexical`` or when no serving generation holds
        exactly these units; otherwise it is the serving one's file, hard-linked."""
        started = time.perf_counter()
        serving = generation.serving_manifest(self.settings.home)
        reuse = None if lexical or not self._lexical_reusable(serving) else serving
        gen_id = generation.write_generation(
            self.settings.home, self.ids, self.vectors[self.have], zip(self.ids.tolist(), self.texts),
            self.encoder.model_id, store_revision=self.revision, units_recipe=UNITS_RECIPE,
            dense_ids=self.ids[self.have], lexical_from=reuse)
        generation.activate(self.settings.home, gen_id)
        generation.prune(self.settings.home)
        self.store.set_meta("last_indexed", time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        self.swap_seconds.append(round(time.perf_counter() - started, 3))
        self.generation, self._since_swap, self._last_swap = gen_id, 0, time.monotonic()
        log.info("swapped in %s: %d of %d units embedded (%.0f%%) in %.2f s", gen_id, int(self.have.sum()),
                 len(self.ids), 100 * self.coverage, self.swap_seconds[-1])
        return gen_id

    def _lexical_reusable(self, serving: generation.Manifest | None) -> bool:
        return (serving is not None and serving.store_revision == self.revision
                and serving.units_recipe == UNITS_RECIPE and serving.units == len(self.ids)
                and (generation.generations_dir(self.settings.home) / serving.id / generation.LEXICAL_FILE).exists())

    def close(self) -> None:
        self._bar.close()
        self.cache.close()


def fill_needed(settings: Settings, store: Store, model_id: str) -> bool:
    """True when the serving generation lacks vectors, or is not of the store as it is now."""
    manifest = generation.serving_manifest(settings.home)
    return manifest is None or not (manifest.dense_coverage >= 1 and manifest.store_revision == store.revision()
                                    and manifest.model_id == model_id and manifest.units_recipe == UNITS_RECIPE)


class BackgroundEmbedder:
    """One thread that embeds what writes left without a vector, for the server.

    It takes the write lock for one batch at a time, so an upload in this process waits at
    most one batch; it runs niced and with its own encoder on one thread fewer than the
    searches' (its own ~120 MB), so typed queries keep a core. ``stop`` ends it between two
    batches; what it embedded stays in the cache and the next start resumes.
    """

    def __init__(self, indexer: "Indexer", encoder: Callable[[], Encoder]):
        self.indexer = indexer
        self._encoder = encoder
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        #: the last failure, for the logs and for tests; the thread keeps running
        self.error: str | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="background-embedding", daemon=True)
            self._thread.start()

    def kick(self) -> None:
        """There may be something to embed: look (soon, in the thread)."""
        self._idle.clear()
        self._wake.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is left to embed (or ``timeout``); True when idle."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = 60.0) -> None:
        """Stop between two batches and wait for the thread (a clean shutdown of the server)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        lower_priority()
        while not self._stopping.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._stopping.is_set():
                break
            try:
                self._fill_all()
                if not self._wake.is_set():  # a write during the fill asks for another look first
                    self._idle.set()
            except WriterBusyError:  # another process writes (and fills) now: look again later
                self._stopping.wait(BUSY_RETRY_S)
                self._wake.set()
            except Exception as exc:  # noqa: BLE001 - the server must keep serving; say why in the log
                self.error = repr(exc)
                log.exception("background embedding failed")
                self._idle.set()

    def _fill_all(self) -> None:
        fill: DenseFill | None = None
        try:
            while not self._stopping.wait(BETWEEN_BATCHES_S):
                with self.indexer.writing(BACKGROUND_PURPOSE):
                    if fill is None or not fill.is_current():
                        if fill is not None:
                            fill.close()
                        fill = self.indexer.start_fill(self._encoder)
                        if fill is None:
                            return
                    if fill.done:
                        fill.finish()
                        return
                    fill.step()
        finally:
            if fill is not None:
                fill.close()


def lower_priority() -> None:
    """Nice the calling thread (Linux: a thread's nice value is its own, and threads it starts inherit it)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
    except (OSError, AttributeError):  # not permitted, or not Linux: run at normal priority
        pass
