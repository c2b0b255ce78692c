"""FAISS at scale: exact (IndexFlatIP) against HNSW and IVF-PQ, with the service's parameters.

The vectors are the real unit vectors of an index; beyond the corpus size they
are copies with Gaussian noise, scaled so that a copy lies as far from its
source as a real unit lies from its nearest real neighbour (median) — copies
closer than that would form clusters of near-ties that no approximate index
can order, and understate its recall. Queries are real query vectors.
Every index is wrapped in ``IndexIDMap2`` and searched through
:class:`DenseIndex`, as the service does.
"""
from __future__ import annotations

import gc
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

from ..index.dense import DenseIndex, choose_index_type, empty_index

KINDS = ("flat", "hnsw", "ivfpq")
K = 10
TIE = 1e-5  # cosine difference under which two vectors tie
#: IVF training: faiss warns below 39 points per list; more only slows k-means on 2 cores
TRAIN_POINTS_PER_LIST = 39
KMEANS_ITERATIONS = 10
#: the service's efConstruction (80) takes hours for a million vectors on two cores
LARGE_BUILD = 200_000
LARGE_EF_CONSTRUCTION = 40
#: the share of a query's latency exact search may take (p50, one thread) before HNSW pays off
FLAT_BUDGET_MS = 50.0
#: a build projected to take longer than this is skipped (and its projection reported)
MAX_BUILD_S = 420
#: how build time grows with n: HNSW ~ n log n (a little over linear);
#: IVF-PQ: k-means grows with n * nlist = n^1.5, but at small n product-quantiser training
#: (capped at 65,536 points) dominates; n^1.25 sits between the two
BUILD_GROWTH = {"flat": lambda r: r, "hnsw": lambda r: r * 1.2, "ivfpq": lambda r: r ** 1.25}

Log = Callable[[str], None]
#: what an approximate index must reach at the chosen setting (issue #19)
TARGET_RECALL = 0.95
TARGET_P95_MS = 20.0
#: the search knob per approximate kind, and the values swept (one search per query each; the
#: index is built once, so the sweep costs seconds against minutes of build)
KNOBS = {"hnsw": ("ef_search", (64, 128, 256, 384, 512, 768, 1024, 1536, 2048)),
         "ivfpq": ("nprobe", (8, 16, 32, 64, 128, 256))}


@dataclass(frozen=True)
class ScalePoint:
    kind: str
    vectors: int
    build_s: float
    memory_mib: float  # size of the written index, IndexIDMap2 included
    latency_p50_ms: float
    latency_p95_ms: float
    latency_p50_ms_all_threads: float  # the same searches with every OpenMP thread
    recall_at_10: float  # against exact search
    ef_construction: int | None
    chosen_by_service: bool  # what choose_index_type picks at this size
    #: an approximate index's recall/latency over its search knob (HNSW efSearch, IVF nprobe), and
    #: the cheapest setting that meets the target (None: none does)
    curve: tuple[dict, ...] = ()
    target_setting: dict | None = None


def nearest_neighbour_cosine(vectors: np.ndarray, sample: int = 500, seed: int = 0) -> float:
    """Median cosine between a real vector and its nearest other real vector."""
    rng = np.random.default_rng(seed)
    picked = vectors[rng.choice(len(vectors), min(sample, len(vectors)), replace=False)]
    sims = picked @ vectors.T
    sims[sims > 0.99999] = -1  # the vector itself (and exact duplicates)
    return float(np.median(sims.max(axis=1)))


def noise_scale(nn_cosine: float, dim: int) -> float:
    """Per-dimension sigma giving cos(copy, source) = nn_cosine: cos = 1 / sqrt(1 + sigma^2 * dim)."""
    return float(np.sqrt(max(1.0 / nn_cosine ** 2 - 1.0, 1e-6) / dim))


def replicate(base: np.ndarray, n: int, sigma: float, seed: int = 0) -> np.ndarray:
    """``n`` unit vectors: the real ones, then noisy copies of them, renormalised."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, len(base)):
        stop = min(start + len(base), n)
        block = base[: stop - start].copy()
        if start:  # the first block is the real vectors themselves
            block += sigma * rng.standard_normal(block.shape, dtype=np.float32)
        out[start:stop] = block
    faiss.normalize_L2(out)
    return out


def size_mib(index: DenseIndex) -> float:
    """The index as written: what the service reads into memory when it loads a generation
    (RSS growth is no measure here: the allocator reuses what earlier indexes freed)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dense.faiss"
        index.write(path)
        return path.stat().st_size / 2 ** 20


def build(kind: str, vectors: np.ndarray, seed: int = 0,
          ef_construction: int | None = None) -> tuple[DenseIndex, int | None]:
    """``ef_construction``: HNSW's, default the service's (LARGE_EF_CONSTRUCTION above LARGE_BUILD)."""
    base = empty_index(kind, vectors.shape[1], len(vectors))
    ef = None
    if kind == "hnsw":
        if ef_construction:
            base.hnsw.efConstruction = ef_construction
        elif len(vectors) > LARGE_BUILD:
            base.hnsw.efConstruction = LARGE_EF_CONSTRUCTION
        ef = base.hnsw.efConstruction
    if kind == "ivfpq":
        base.cp.niter = KMEANS_ITERATIONS
        rng = np.random.default_rng(seed)
        n_train = min(len(vectors), TRAIN_POINTS_PER_LIST * base.nlist)
        base.train(vectors[np.sort(rng.choice(len(vectors), n_train, replace=False))])
    index = faiss.IndexIDMap2(base)
    index.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    return DenseIndex(index, kind), ef


def measure(kind: str, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray,
            ef_construction: int | None = None) -> ScalePoint:
    started = time.perf_counter()
    index, ef = build(kind, vectors, ef_construction=ef_construction)
    build_s = time.perf_counter() - started
    memory = size_mib(index)
    latencies, found = timed_searches(index, queries)  # as the service searches: one thread
    curve = sweep(index, vectors, queries, truth)
    index.search_threads = faiss.omp_get_max_threads()
    all_threads, _ = timed_searches(index, queries)
    del index
    return ScalePoint(kind, len(vectors), round(build_s, 2), round(memory, 1),
                      _ms(np.percentile(latencies, 50)), _ms(np.percentile(latencies, 95)),
                      _ms(np.percentile(all_threads, 50)), recall_at_k(vectors, queries, truth, found), ef,
                      choose_index_type(len(vectors)) == kind, tuple(curve), cheapest_meeting_target(curve))


def sweep(index: DenseIndex, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray) -> list[dict]:
    """Recall@10 and latency (one thread, as the service) at each value of the index's search knob."""
    if index.kind not in KNOBS:
        return []
    knob, values = KNOBS[index.kind]
    before = getattr(index, knob)
    curve = []
    for value in values:
        setattr(index, knob, value)
        latencies, found = timed_searches(index, queries)
        curve.append({knob: value, "recall_at_10": recall_at_k(vectors, queries, truth, found),
                      "latency_p50_ms": _ms(np.percentile(latencies, 50)),
                      "latency_p95_ms": _ms(np.percentile(latencies, 95))})
    setattr(index, knob, before)
    return curve


def cheapest_meeting_target(curve: Sequence[dict], recall: float = TARGET_RECALL,
                            p95_ms: float = TARGET_P95_MS) -> dict | None:
    """The first (cheapest) point of the curve with recall >= ``recall`` at p95 <= ``p95_ms``."""
    return next((p for p in curve if p["recall_at_10"] >= recall and p["latency_p95_ms"] <= p95_ms), None)


def recall_at_k(vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, found: Sequence[list[int]]) -> float:
    """Share of the true top k found; a found vector that ties with the k-th true one counts
    (the corpus repeats texts, so identical vectors tie and either is right)."""
    hits = 0
    for query, true_ids, ids in zip(queries, truth, found):
        kth = float(vectors[true_ids[-1]] @ query)
        hits += min(K, sum(1 for i in ids[:K] if float(vectors[i] @ query) >= kth - TIE))
    return round(hits / (K * len(queries)), 4)


def _ms(value: float) -> float:
    return round(float(value), 3)


def timed_searches(index: DenseIndex, queries: np.ndarray) -> tuple[list[float], list[list[int]]]:
    """One search per query, as the service makes them: latency in ms, and the ids found."""
    latencies, found = [], []
    for query in queries:
        started = time.perf_counter()
        hits = index.search(query, K)
        latencies.append((time.perf_counter() - started) * 1000)
        found.append([i for i, _ in hits])
    return latencies, found


def exact_neighbours(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    return flat.search(queries, K)[1]


def rule_figures(points: Sequence[dict], budget_ms: float = FLAT_BUDGET_MS) -> dict:
    """What the thresholds of ``choose_index_type`` rest on: how far exact search stays within
    the latency budget, and what an HNSW rebuild costs (every write rebuilds the index)."""
    def largest(kind: str) -> dict | None:
        mine = [p for p in points if p["kind"] == kind]
        return max(mine, key=lambda p: p["vectors"]) if mine else None

    flat, hnsw = largest("flat"), largest("hnsw")
    figures: dict = {"flat_budget_ms": budget_ms}
    if flat:
        per_100k = flat["latency_p50_ms"] / flat["vectors"] * 100_000
        figures.update(flat_ms_per_100k_vectors=round(per_100k, 2),
                       flat_vectors_within_budget=int(budget_ms / per_100k * 100_000))
    if hnsw:
        figures.update(hnsw_build_vectors_per_s=round(hnsw["vectors"] / max(hnsw["build_s"], 1e-9)),
                       hnsw_build_measured_at=hnsw["vectors"])
    return figures


def projected_build_s(kind: str, n: int, points: Sequence[dict]) -> float | None:
    """Build time at ``n`` projected from the largest measured size of ``kind``."""
    measured = [p for p in points if p["kind"] == kind]
    if not measured:
        return None
    last = max(measured, key=lambda p: p["vectors"])
    return last["build_s"] * BUILD_GROWTH[kind](n / last["vectors"])


def run_scale(base: np.ndarray, queries: np.ndarray, sizes: Sequence[int], log: Log) -> dict:
    nn_cos = nearest_neighbour_cosine(base)
    sigma = noise_scale(nn_cos, base.shape[1])
    points: list[dict] = []
    skipped: list[dict] = []
    for n in sizes:
        vectors = replicate(base, n, sigma)
        truth = exact_neighbours(vectors, queries)
        for kind in KINDS:
            projected = projected_build_s(kind, n, points)
            if projected is not None and projected > MAX_BUILD_S:
                log(f"  faiss {kind} on {n:,} vectors: skipped, build projected at {projected:.0f} s")
                skipped.append({"kind": kind, "vectors": n, "projected_build_s": round(projected)})
                continue
            log(f"  faiss {kind} on {n:,} vectors")
            points.append(asdict(measure(kind, vectors, queries, truth)))
        del vectors, truth
        gc.collect()
    return {"base_vectors": len(base), "queries": len(queries), "nearest_neighbour_cosine": round(nn_cos, 4),
            "noise_sigma": round(sigma, 5), "threads": faiss.omp_get_max_threads(), "points": points,
            "skipped": skipped, "max_build_s": MAX_BUILD_S, "rule": rule_figures(points)}
