"""The retrievers: each turns a query into its best units, ``(unit id, score)`` best first;
and the search modes and orders that follow from them.

Every retriever answers ``search(query, n, allowed)`` over the serving generation, so
fusion works over any set of them and the search modes follow from them: one mode per
retriever, and ``hybrid`` for all of them fused. A retriever is made per request, bound
to the generation that request reads and the dict its timings go to.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the command line reads MODES from here: no index or model code at its import
    import numpy as np

    from .embedding import Encoder
    from .index.generation import Generation

Ranking = list[tuple[int, float]]
#: threads running the other retrievers beside the last one of a fused search (one per concurrent request)
POOL_THREADS = 8


class Retriever(Protocol):
    name: str

    def search(self, query: str, n: int, allowed: list[int] | None) -> Ranking:
        """Top ``n`` units for ``query``; ``allowed`` (unit ids) filters before the cut, None = all."""


@dataclass(frozen=True)
class Retrieval:
    """What the retrievers of one request share."""

    generation: Generation  # the serving generation the request reads
    encoder: Callable[[], Encoder]  # the query encoder, loaded on first use
    timings: dict[str, float]  # where each retriever puts its timings
    #: the query's vector when the caller encoded it already (a dossier encodes all its questions at once)
    vector: np.ndarray | None = None


class LexicalRetriever:
    """BM25 over the generation's lexical index."""

    name = "lexical"

    def __init__(self, retrieval: Retrieval):
        self.retrieval = retrieval

    def search(self, query: str, n: int, allowed: list[int] | None) -> Ranking:
        generation, started = self.retrieval.generation, time.perf_counter()
        found = generation.lexical.search(generation.lexical_conn(), query, n, allowed)
        self.retrieval.timings["lexical_ms"] = (time.perf_counter() - started) * 1000
        return found


class DenseRetriever:
    """Nearest unit vectors of the query's embedding; ``encode_ms`` and ``dense_ms`` (the FAISS
    search alone) are timed apart."""

    name = "dense"

    def __init__(self, retrieval: Retrieval):
        self.retrieval = retrieval
        #: the query's embedding, kept for the relevance floor (cosines of results BM25 alone found)
        self.query_vector = retrieval.vector

    def search(self, query: str, n: int, allowed: list[int] | None) -> Ranking:
        from .index.generation import IndexUnavailableError

        generation, timings, encoder = self.retrieval.generation, self.retrieval.timings, self.retrieval.encoder()
        if generation.manifest.model_id != encoder.model_id:
            # vectors of another model (or other weights) live in another space: a query would
            # land anywhere, and a different width would fail inside FAISS
            raise IndexUnavailableError(
                f"the index was built with {generation.manifest.model_id}, but queries are encoded with "
                f"{encoder.model_id}: run `nlp-service reindex`")
        vector = self.retrieval.vector if self.retrieval.vector is not None else self.query_vector
        if vector is None:  # encoded once per request, however many unit sets it searches
            started = time.perf_counter()
            vector = self.query_vector = encoder.encode_queries([query])[0]
            timings["encode_ms"] = (time.perf_counter() - started) * 1000
        searched = time.perf_counter()
        found = generation.dense.search(vector, n, allowed)
        timings["dense_ms"] = (time.perf_counter() - searched) * 1000
        return found


RETRIEVERS = {r.name: r for r in (LexicalRetriever, DenseRetriever)}
#: all retrievers fused (reciprocal rank fusion)
FUSED = "hybrid"
#: the search modes, the service's default first: what the CLI, the API and the page accept
MODES = (FUSED, *RETRIEVERS)
#: the same modes, each retriever alone before their fusion: the order of reports and tables
REPORT_ORDER = (*RETRIEVERS, FUSED)
#: how a result list may be ordered (search.py orders it), the default first; named here beside
#: the modes so that the command line reads both without importing the search core
SORTS = ("relevance", "date")


#: the name of a retriever's list over the whole-letter units, searched apart: "dense" + LETTERS
LETTERS = ":letter"


def retriever_of(list_name: str) -> str:
    """The retriever that made a candidate list (``dense:letter`` -> ``dense``)."""
    return list_name.removesuffix(LETTERS)


def list_weights(weights: Mapping[str, float], lists: Iterable[str], letters: Mapping[str, float]) -> dict[str, float]:
    """Each candidate list's fusion weight: its retriever's, times the retriever's ``letters`` weight
    for its list of whole letters."""
    return {name: weights.get(retriever_of(name), 1.0)
            * (letters[retriever_of(name)] if name.endswith(LETTERS) else 1.0) for name in lists}


def retrievers_for(mode: str) -> tuple[str, ...]:
    """The names of the retrievers a mode runs."""
    return tuple(RETRIEVERS) if mode == FUSED else (mode,)


@functools.cache
def _pool() -> ThreadPoolExecutor:
    """One pool for the process, made on first use: engines made and dropped (tests, the
    evaluation) leave no threads, and importing this module starts none."""
    return ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="retriever")


def run_retrievers(retrievers: Sequence[Retriever], query: str, n: int,
                   allowed: list[int] | None) -> dict[str, Ranking]:
    """Each retriever's candidates. All but the last run on the pool beside the last (the dense
    one: BM25 runs while the query is encoded); SQLite, FAISS and onnxruntime release the GIL, so
    a pasted question costs the slowest retriever instead of their sum."""
    *others, last = retrievers
    pending = [(r.name, _pool().submit(r.search, query, n, allowed)) for r in others]
    found = {last.name: last.search(query, n, allowed)}
    rankings = {name: future.result() for name, future in pending}
    rankings[last.name] = found[last.name]
    return rankings
