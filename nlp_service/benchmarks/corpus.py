"""The whole shared corpus, from scratch: cold ingest, an unchanged reindex, warm latency.

What an operator sees on day one (ingest everything with an empty embedding
cache), on every later maintenance run (``reindex`` with nothing changed: every
vector from the cache) and what every user sees afterwards (warm query latency
at full size, each retriever alone and fused).

Ratios against baselines taken in the same process, so that a busy or a faster
machine shifts both sides alike:

* ingest: the bare encoder on a sample of the same unit texts (units/s that
  embedding alone allows) against the pipeline's embedded units/s;
* reindex: against the cold ingest;
* latency: each mode against the targets (median 50 ms, p95 150 ms).
"""
from __future__ import annotations

import itertools
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import demo
from ..config import Settings
from ..embedding import Encoder
from ..errors import ServiceError
from ..evaluation.datasets import load_belgian
from ..evaluation.report import table
from ..retrievers import REPORT_ORDER
from ..service import Service
from . import latency, machine
from .runner import query_sets

Log = Callable[[str], None]
TARGET_MEDIAN_MS = 50.0
TARGET_P95_MS = 150.0
TARGET_COLD_S = 600.0
TARGET_REINDEX_S = 60.0
BASELINE_UNITS = 300


@dataclass(frozen=True)
class CorpusBenchOptions:
    home: Path  # emptied first: the index built here stays for later benchmarks
    requests: dict[str, int]  # per query kind ("title", "pasted")
    encoder_sample: int = BASELINE_UNITS


class CorpusBenchError(ServiceError, RuntimeError):
    """The benchmark cannot run as asked."""


def corpus_paths(data_dir: Path) -> list[Path]:
    try:
        return demo.corpus_paths(data_dir)
    except FileNotFoundError as exc:
        raise CorpusBenchError(str(exc)) from None


def run_corpus_bench(settings: Settings, encoder: Encoder, options: CorpusBenchOptions,
                     log: Log = lambda _: None, progress: bool = False) -> dict:
    """Settings must name ``options.home`` and a cache file of that home's own (cold)."""
    paths = corpus_paths(settings.data_dir)
    shutil.rmtree(options.home, ignore_errors=True)
    result: dict = {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine.describe(),
                    "threads_setting": settings.threads,
                    "corpus": [str(p.relative_to(settings.data_dir)) for p in paths]}
    log("cold ingest of the whole corpus (empty store, empty embedding cache)")
    service = Service(settings, encoder)
    cold = service.ingest_paths(paths, progress=progress)
    if cold.failed:
        raise CorpusBenchError(f"{len(cold.failed)} files did not parse, e.g. {cold.failed[0]}")
    result["cold_ingest"] = _ingest_figures(cold)
    log("reindex with nothing changed")
    again = service.reindex(progress=progress)
    result["reindex"] = {**_ingest_figures(again), "ratio_to_cold": round(again.seconds / cold.seconds, 4)}
    result["index"] = service.store.counts()
    log("the bare encoder on a sample of the same units (baseline)")
    result["encoder_baseline"] = encoder_baseline(service, options.encoder_sample, cold)
    log("warm query latency, one client")
    result["latency"] = warm_latency(service, query_sets(load_belgian(settings.data_dir)), options.requests)
    result["targets"] = targets_met(result)
    return result


def _ingest_figures(report) -> dict:
    seconds = max(report.seconds, 1e-9)
    return {"documents": report.changed, "units": report.units, "embedded": report.embedded,
            "seconds": round(report.seconds, 1), "documents_per_s": round(report.changed / seconds, 2),
            "units_per_s": round(report.units / seconds, 2), "embedded_per_s": round(report.embedded / seconds, 2)}


def encoder_baseline(service: Service, size: int, cold) -> dict:
    """Embedding alone, on distinct unit texts drawn from the store: what the pipeline can reach."""
    texts = sorted({unit.text for unit in service.store.iter_units()})
    sample = random.Random(0).sample(texts, min(size, len(texts)))
    started = time.perf_counter()
    service.encoder.encode_documents(sample)
    per_s = len(sample) / max(time.perf_counter() - started, 1e-9)
    pipeline_per_s = cold.embedded / max(cold.seconds, 1e-9)
    return {"texts": len(sample), "units_per_s": round(per_s, 2),
            "pipeline_share_of_encoder_speed": round(pipeline_per_s / per_s, 3),
            "embedding_alone_projected_s": round(cold.embedded / per_s, 1)}


def warm_latency(service: Service, queries: dict[str, list[str]], requests: dict[str, int]) -> list[dict]:
    service.warm_up()
    rows = []
    for kind, mode in itertools.product(requests, REPORT_ORDER):
        figures = latency.timed_calls(latency.python_call(service, mode), queries[kind], 1, requests[kind])
        rows.append({"queries": kind, "mode": mode, **figures,
                     "p50_ratio_to_target": round(figures["p50_ms"] / TARGET_MEDIAN_MS, 2),
                     "p95_ratio_to_target": round(figures["p95_ms"] / TARGET_P95_MS, 2)})
    return rows


def targets_met(result: dict) -> dict:
    rows: Sequence[dict] = result["latency"]
    return {
        "cold_ingest_under_10_min": result["cold_ingest"]["seconds"] < TARGET_COLD_S,
        "reindex_under_60_s": result["reindex"]["seconds"] < TARGET_REINDEX_S,
        **{f"latency_{r['queries']}_{r['mode']}": r["p50_ms"] < TARGET_MEDIAN_MS and r["p95_ms"] < TARGET_P95_MS
           for r in rows},
    }


def markdown(r: dict) -> str:
    m, cold, again, base = r["machine"], r["cold_ingest"], r["reindex"], r["encoder_baseline"]
    load = ", ".join(f"{x:.2f}" for x in m["load_average_at_start"] or ())
    ingest_rows = [["cold ingest (empty store and cache)", cold["documents"], cold["units"], cold["embedded"],
                    cold["seconds"], cold["units_per_s"], cold["embedded_per_s"]],
                   ["reindex, nothing changed", "–", again["units"], again["embedded"], again["seconds"],
                    again["units_per_s"], "–"]]
    latency_rows = [[x["queries"], x["mode"], x["requests"], x["p50_ms"], x["p95_ms"], x["p99_ms"],
                     x["p50_ratio_to_target"], x["p95_ratio_to_target"]] for x in r["latency"]]
    met = [[name, "yes" if ok else "**no**"] for name, ok in r["targets"].items()]
    return "\n\n".join([
        "# Whole-corpus benchmark",
        f"Generated by `scripts/bench_corpus.py` on {r['created']}. Machine: {m['cpu_model']}, "
        f"{m['usable_cores']} usable cores, {m['memory_gib']} GiB; encoder threads {r['threads_setting']}; "
        f"load average at the start {load}.",
        f"Corpus: {', '.join(r['corpus'])}: {r['index']['documents']:,} documents, "
        f"{r['index']['questions']:,} questions, {r['index']['units']:,} units.",
        "## Ingest\n\n" + table(["run", "documents", "units", "newly embedded", "seconds", "units/s",
                                 "embedded/s"], ingest_rows)
        + f"\n\nReindex / cold ingest: {again['ratio_to_cold']}. Baseline in the same process: the bare encoder "
          f"embeds {base['units_per_s']} distinct unit texts/s ({base['texts']} drawn from the store); the cold "
          f"ingest embedded at {base['pipeline_share_of_encoder_speed']} of that speed, so embedding alone "
          f"accounts for about {base['embedding_alone_projected_s']} s of its {cold['seconds']} s.",
        "## Warm query latency (Python API, one client, k=10)\n\n"
        "*title*: the titles of the May–June 2017 Belgian questions (typed queries); *pasted*: the whole "
        "questions. Dense and hybrid include encoding the query. Ratios: against a median of "
        f"{TARGET_MEDIAN_MS:.0f} ms and a p95 of {TARGET_P95_MS:.0f} ms.\n\n"
        + table(["queries", "mode", "requests", "p50 ms", "p95 ms", "p99 ms", "p50 / 50 ms", "p95 / 150 ms"],
                latency_rows),
        f"## Targets\n\nCold ingest under {TARGET_COLD_S / 60:.0f} min, reindex under {TARGET_REINDEX_S:.0f} s, "
        "latency median and p95 under target:\n\n" + table(["target", "met"], met),
    ]) + "\n"
