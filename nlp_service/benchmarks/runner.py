"""Runs the benchmarks in a bounded time and returns their figures.

Order: ingest throughput (a sample of the corpus into scratch homes), query
latency over the Python API, then over HTTP, then FAISS at scale (the most
memory, last). Latency is measured on an existing index home (the serving
home, or the evaluation's): embedding the whole corpus only to benchmark it
would take this machine longer than everything else together.
"""
from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from ..config import Settings
from ..embedding import Encoder, open_encoder
from ..errors import ServiceError
from ..evaluation.datasets import BelgianRecord, in_window, load_belgian
from ..fsutil import atomic_write_text
from ..index import generation
from ..retrievers import FUSED, REPORT_ORDER
from ..search import SearchEngine
from ..service import Service
from ..web.server import DEFAULT_THREADS
from . import faiss_scale, ingest, latency, machine

Log = Callable[[str], None]
FAISS_SIZES = (10_000, 100_000, 1_000_000)
QUICK_FAISS_SIZES = (10_000,)
CLIENTS = (1, 8)
#: requests per latency measurement: enough for a p95; p99 of a few hundred is indicative only
REQUESTS = {"title": 200, "pasted": 30}
QUICK_REQUESTS = {"title": 20, "pasted": 6}
INGEST_SAMPLE = 50  # Belgian records embedded cold: about 50k tokens
QUICK_INGEST_SAMPLE = 10
FAISS_QUERIES = 100


class BenchmarkError(ServiceError, RuntimeError):
    """The benchmarks cannot run as asked (no index to query...)."""


@dataclass(frozen=True)
class BenchOptions:
    work_dir: Path  # scratch space for the ingest runs
    index_homes: tuple[Path, ...]  # the first with an index is queried
    quick: bool = False


def run_benchmarks(settings: Settings, options: BenchOptions, log: Log = lambda _: None) -> dict:
    started = time.perf_counter()
    index_home = _first_indexed(options.index_homes)
    result: dict = {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": options.quick,
                    "machine": machine.describe(), "threads_setting": settings.threads}
    encoder = open_encoder(settings)
    records = load_belgian(settings.data_dir)
    queries = query_sets(records)
    log("ingest throughput")
    result["ingest"] = measure_ingest(settings, encoder, records, options)
    service = Service(settings.replace(home=index_home), encoder=encoder)
    result["index"] = {"home": str(index_home), **service.store.counts()}
    requests = QUICK_REQUESTS if options.quick else REQUESTS
    log(f"latency over the Python API ({index_home})")
    result["latency_python"] = python_latency(service, queries, requests)
    log("latency over HTTP")
    result["latency_http"], result["server_memory"] = http_latency(index_home, queries, requests)
    log("FAISS at scale")
    vectors = index_vectors(service.engine)
    query_vectors = encoder.encode_queries(list(itertools.islice(itertools.cycle(queries["title"]), FAISS_QUERIES)))
    sizes = QUICK_FAISS_SIZES if options.quick else FAISS_SIZES
    result["faiss"] = faiss_scale.run_scale(vectors, np.asarray(query_vectors, dtype=np.float32), sizes, log)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _first_indexed(homes: Sequence[Path]) -> Path:
    for home in homes:
        if generation.current_id(home) is not None:
            return Path(home)
    raise BenchmarkError(f"no index in {', '.join(map(str, homes))}: run `nlp-service ingest --demo` "
                         "or `nlp-service eval` first")


def query_sets(records: Sequence[BelgianRecord]) -> dict[str, list[str]]:
    """Real queries of both kinds: titles (typed) and whole questions (pasted), May-June 2017."""
    window = [r for r in records if in_window(r)]
    return {"title": [r.title for r in window], "pasted": [r.question.strip()[:5000] for r in window]}


# -- ingest --------------------------------------------------------------------


def measure_ingest(settings: Settings, encoder: Encoder, records: Sequence[BelgianRecord],
                   options: BenchOptions) -> dict:
    size = QUICK_INGEST_SAMPLE if options.quick else INGEST_SAMPLE
    sample = options.work_dir / "sample" / "dekamer-2017" / "questions.jsonl"
    atomic_write_text(sample, "".join(r.line for r in records[:size]))
    try:
        return {"sample": f"the first {size} Belgian records",
                **ingest.cold_and_warm(settings, encoder, [sample], options.work_dir / "homes")}
    finally:
        shutil.rmtree(options.work_dir, ignore_errors=True)


# -- latency -------------------------------------------------------------------


def python_latency(service: Service, queries: dict[str, list[str]], requests: dict[str, int]) -> list[dict]:
    service.warm_up()
    rows = []
    for kind, mode, clients in itertools.product(queries, REPORT_ORDER, CLIENTS):
        figures = latency.timed_calls(latency.python_call(service, mode), queries[kind], clients, requests[kind])
        rows.append({"queries": kind, "mode": mode, "clients": clients, **figures})
    return rows


def http_latency(home: Path, queries: dict[str, list[str]], requests: dict[str, int]) -> tuple[list[dict], dict]:
    rows = []
    with latency.server_process(home, DEFAULT_THREADS) as (url, process):
        idle = round(process.memory_info().rss / 2 ** 20, 1)
        for kind, clients in itertools.product(queries, CLIENTS):
            call = latency.http_call(url, FUSED)
            rows.append({"queries": kind, "mode": FUSED, "clients": clients,
                         **latency.timed_calls(call, queries[kind], clients, requests[kind])})
        memory = {"rss_after_start_mib": idle, "peak_rss_mib": latency.peak_rss_mib(process),
                  "server_threads": DEFAULT_THREADS}
    return rows, memory


# -- FAISS ---------------------------------------------------------------------


def index_vectors(engine: SearchEngine) -> np.ndarray:
    """The serving index's real unit vectors (a flat index at this corpus size)."""
    wrapped = engine.generation().dense.index
    base = faiss.downcast_index(wrapped.index if hasattr(wrapped, "index") else wrapped)
    return base.reconstruct_n(0, base.ntotal)
