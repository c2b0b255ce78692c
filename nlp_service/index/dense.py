"""Dense vector index: normalised embeddings in FAISS, keyed by unit id."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

# Exact search is fast enough (and exact) below this many vectors; see
# docs/benchmarks.md for the measurements behind the thresholds.
FLAT_MAX = 200_000
HNSW_MAX = 2_000_000
HNSW_EF = 128  # candidates HNSW keeps while searching (recall 0.86-0.97 at 10k-1M, docs/benchmarks.md)
HNSW_EF_MAX = 4096  # the most a filtered search widens it to
IVF_NPROBE = 32  # inverted lists an IVF-PQ search visits


def choose_index_type(n_vectors: int) -> str:
    """Exact search for small corpora, HNSW for large, IVF-PQ when memory matters."""
    if n_vectors <= FLAT_MAX:
        return "flat"
    if n_vectors <= HNSW_MAX:
        return "hnsw"
    return "ivfpq"


def empty_index(kind: str, dim: int, n_train: int) -> faiss.Index:
    """An untrained, empty FAISS index of ``kind`` with the service's parameters (the benchmark builds these too)."""
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        return index
    if kind == "ivfpq":
        nlist = max(1, min(4096, int(4 * np.sqrt(max(n_train, 1)))))
        quantizer = faiss.IndexFlatIP(dim)
        return faiss.IndexIVFPQ(quantizer, dim, nlist, 48, 8, faiss.METRIC_INNER_PRODUCT)
    raise ValueError(f"unknown index type {kind!r}")


@contextmanager
def omp_threads(n: int) -> Iterator[None]:
    """Run the block on ``n`` OpenMP threads. The setting belongs to the calling thread,
    so concurrent requests do not interfere."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class DenseIndex:
    """A FAISS index with stable int64 ids (``IndexIDMap2``)."""

    #: OpenMP threads for one query: requests already run in parallel, and splitting one
    #: query costs more than it saves (docs/benchmarks.md: exact search over 100,000 vectors
    #: 23 ms on two threads, 16 ms on one; over 30,000 on a busy machine 52 ms against 11)
    search_threads = 1

    def __init__(self, index: faiss.Index, kind: str):
        self.index = index
        self.kind = kind

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray, dim: int, kind: str | None = None) -> "DenseIndex":
        kind = kind or choose_index_type(len(ids))
        base = empty_index(kind, dim, len(ids))
        if not base.is_trained and len(ids):
            base.train(vectors)
        index = faiss.IndexIDMap2(base)
        if len(ids):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
        return cls(index, kind)

    def __len__(self) -> int:
        return self.index.ntotal

    @property
    def dim(self) -> int:
        return self.index.d

    def search(self, query: np.ndarray, n: int, allowed_ids: list[int] | None = None) -> list[tuple[int, float]]:
        """Top ``n`` (id, cosine) for one normalised query; ``allowed_ids`` filters before the cut."""
        if len(self) == 0 or n <= 0 or (allowed_ids is not None and not allowed_ids):
            return []
        params = self._search_params(allowed_ids, n)
        with omp_threads(self.search_threads):
            scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), min(n, len(self)),
                                            params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def similarities(self, query: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Cosine of ``query`` with each stored vector of ``ids`` (those the index can give back:
        an IVF-PQ index keeps no vectors to reconstruct)."""
        found: dict[int, float] = {}
        for unit_id in ids:
            try:
                found[unit_id] = float(self.index.reconstruct(int(unit_id)) @ query)
            except RuntimeError:  # not in the index, or an index without its vectors
                continue
        return found

    def _search_params(self, allowed_ids: list[int] | None, n: int):
        selector, widen = None, 1.0
        if allowed_ids is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed_ids, dtype=np.int64))
            # An approximate index visits a fixed share of the vectors and the filter then drops
            # most of them: a selective filter (one year of twenty) would leave a handful of
            # candidates. Visit proportionally more, so about as many allowed ones are seen.
            widen = len(self) / max(len(allowed_ids), 1)
        if self.kind == "hnsw":
            return faiss.SearchParametersHNSW(sel=selector, efSearch=int(min(HNSW_EF_MAX, max(HNSW_EF, n) * widen)))
        if self.kind == "ivfpq":
            nlist = faiss.extract_index_ivf(faiss.downcast_index(self.index.index)).nlist
            return faiss.SearchParametersIVF(sel=selector, nprobe=int(min(nlist, IVF_NPROBE * widen)))
        return faiss.SearchParameters(sel=selector) if selector is not None else None

    def write(self, path: Path) -> None:
        """Write to ``path`` (the caller writes into a fresh folder and renames it)."""
        faiss.write_index(self.index, str(path))

    @classmethod
    def read(cls, path: Path, kind: str) -> "DenseIndex":
        return cls(faiss.read_index(str(path)), kind)
