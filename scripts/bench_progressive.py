#!/usr/bin/env python
"""Benchmark: how soon the whole shared corpus is searchable, from an empty store and cache.

    nice -n 10 .venv/bin/python scripts/bench_progressive.py [--home DIR] [--deadline-s 2400] [--out docs]

Starts a cold `nlp-service ingest` of the whole corpus (leiden, tweedekamer-2024, dekamer-2017)
in a child process (niced further: the embedding is the background work) with an empty
embedding cache of its own, and meanwhile acts as the server: a Service over the same home that
follows the generations the ingest swaps in, asking one typed query (a Belgian title, hybrid,
k=10) every --interval seconds. Reports: time until the first generation serves and until the
first search answers with results (target < 90 s); every swap seen (when, dense coverage, what
loading it cost this reader); time until dense coverage is complete; typed-query latency
p50/p95 while the dense index fills (target p95 < 100 ms); the writer's own swap costs (its
summary line). The report (docs/progressive-ingest.{json,md}) is rewritten atomically as the
figures come in, so a run stopped by --deadline-s (or killed) leaves what it reached.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp_service.benchmarks.corpus import corpus_paths  # noqa: E402
from nlp_service.benchmarks.machine import describe  # noqa: E402
from nlp_service.benchmarks.runner import query_sets  # noqa: E402
from nlp_service.config import REPO_ROOT, apply_process_settings, load_settings  # noqa: E402
from nlp_service.errors import Unavailable  # noqa: E402
from nlp_service.evaluation.datasets import load_belgian  # noqa: E402
from nlp_service.fsutil import atomic_write_report  # noqa: E402
from nlp_service.home import Home  # noqa: E402
from nlp_service.index import generation as gen  # noqa: E402
from nlp_service.nlp import index_terms  # noqa: E402
from nlp_service.service import Service  # noqa: E402

TARGET_FIRST_SEARCH_S = 90
TARGET_P95_MS = 100
WRITE_EVERY_S = 15
WRITER_NICE = 10  # on top of this script's own


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=REPO_ROOT / "indexes" / "bench-progressive")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs")
    parser.add_argument("--deadline-s", type=float, default=2400, help="stop (and kill the ingest) after this long")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between two typed queries")
    parser.add_argument("--paths", type=Path, nargs="*", help="ingest these instead of the whole corpus (a smoke test)")
    args = parser.parse_args()
    home = args.home.resolve()
    shutil.rmtree(home, ignore_errors=True)
    settings = load_settings(home=home, cache_file=str(Home(home).default_cache))
    apply_process_settings(settings)
    paths = args.paths or corpus_paths(settings.data_dir)
    queries = query_sets(load_belgian(settings.data_dir))["title"]
    reader = Service(settings)
    reader.encoder.encode_queries(["opwarmen"])  # a server has its model loaded before the first visitor
    index_terms("opwarmen")  # and its lexical analysis (spaCy, simplemma: seconds on first use)
    run = Run(args.out, settings.swap_seconds)
    writer = start_writer(home, settings, paths)
    run.figures["writer_pid"] = writer.pid
    try:
        follow(run, reader, writer, queries, args)
    finally:
        if writer.poll() is None:
            writer.kill()
            run.figures["stopped_by_deadline"] = True
        out, _ = writer.communicate()
        run.figures["writer_output"] = out.strip().splitlines()[-3:]
        run.write()
    print((args.out / "progressive-ingest.md").read_text(encoding="utf-8"))
    return 0


def start_writer(home: Path, settings, paths: list[Path]) -> subprocess.Popen:
    env = dict(os.environ, NLP_SERVICE_HOME=str(home), NLP_SERVICE_CACHE=str(settings.cache_path),
               PYTHONPATH=str(REPO_ROOT))
    return subprocess.Popen([sys.executable, "-m", "nlp_service.cli", "ingest", "-q", *map(str, paths)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: os.nice(WRITER_NICE))


class Run:
    """The figures so far, and the report written from them."""

    def __init__(self, out: Path, swap_seconds: float):
        self.out, self.started = out, time.perf_counter()
        self.figures: dict = {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": describe(),
                              "load_average_at_start": os.getloadavg(), "swap_seconds_setting": swap_seconds,
                              "first_generation_s": None, "first_search_s": None, "full_coverage_s": None,
                              "writer_done_s": None, "swaps": [], "queries": []}
        self._written = 0.0

    def now(self) -> float:
        return round(time.perf_counter() - self.started, 2)

    def write(self, force: bool = True) -> None:
        if force or time.perf_counter() - self._written >= WRITE_EVERY_S:
            self.figures["elapsed_s"] = self.now()
            self.figures["summary"] = summarise(self.figures)
            atomic_write_report(self.out, "progressive-ingest", self.figures, markdown(self.figures))
            self._written = time.perf_counter()


def follow(run: Run, reader: Service, writer: subprocess.Popen, queries: list[str], args) -> None:
    seen, asked = None, 0
    while run.now() < args.deadline_s:
        current = gen.current_id(reader.settings.home)
        if current is not None and current != seen:
            seen = current
            started = time.perf_counter()
            try:
                generation = reader.engine.generation()
            except Unavailable:  # pruned between reading CURRENT and loading it: the next look finds the newer
                continue
            run.figures["swaps"].append({"at_s": run.now(), "generation": generation.id,
                                         "units": generation.manifest.units,
                                         "dense_coverage": round(generation.dense_coverage, 4),
                                         "reader_load_ms": round((time.perf_counter() - started) * 1000, 1)})
            run.figures["first_generation_s"] = run.figures["first_generation_s"] or run.now()
            if generation.dense_coverage >= 1 and run.figures["full_coverage_s"] is None:
                run.figures["full_coverage_s"] = run.now()  # a cold cache: earlier generations lack vectors
            run.write()
        if seen is not None:
            asked += 1
            ask(run, reader, queries[asked % len(queries)])
        if writer.poll() is not None and run.figures["writer_done_s"] is None:
            run.figures["writer_done_s"] = run.now()
        if run.figures["writer_done_s"] is not None and gen.current_id(reader.settings.home) == seen:
            break  # the writer is done and its last generation was seen
        run.write(force=False)
        time.sleep(args.interval if seen is not None else 0.2)


def ask(run: Run, reader: Service, query: str) -> None:
    started = time.perf_counter()
    response = reader.search(reader.make_request(query, k=10))
    ms = (time.perf_counter() - started) * 1000
    run.figures["queries"].append([run.now(), round(ms, 1), len(response.results), round(response.dense_coverage, 4)])
    if response.results and run.figures["first_search_s"] is None:
        run.figures["first_search_s"] = run.now()
        run.write()


def summarise(f: dict) -> dict:
    during = [ms for _, ms, _, coverage in f["queries"] if coverage < 1]
    loads = [s["reader_load_ms"] for s in f["swaps"]]
    pct = (lambda xs, q: round(float(np.percentile(xs, q)), 1) if xs else None)
    return {"first_search_s": f["first_search_s"], "first_search_under_90_s":
            f["first_search_s"] is not None and f["first_search_s"] < TARGET_FIRST_SEARCH_S,
            "full_coverage_s": f["full_coverage_s"], "swaps_seen": len(f["swaps"]),
            "reader_load_ms_p50": pct(loads, 50), "reader_load_ms_max": max(loads) if loads else None,
            "queries_during_embedding": len(during), "typed_p50_ms_during_embedding": pct(during, 50),
            "typed_p95_ms_during_embedding": pct(during, 95),
            "typed_p95_under_100_ms": bool(during) and pct(during, 95) < TARGET_P95_MS,
            "last_coverage": f["swaps"][-1]["dense_coverage"] if f["swaps"] else None}


def markdown(f: dict) -> str:
    s = f["summary"]
    rows = "\n".join(f"| {w['at_s']} | {w['units']:,} | {w['dense_coverage']:.1%} | {w['reader_load_ms']} |"
                     for w in f["swaps"])
    full = (f"{s['full_coverage_s']} s" if s["full_coverage_s"] else
            f"not reached ({s['last_coverage']:.1%} at the last swap)" if s["last_coverage"] is not None else "–")
    state = ("stopped at the deadline (the ingest was killed: the next ingest resumes from the cache)"
             if f.get("stopped_by_deadline") else "finished" if f["writer_done_s"] else "running")
    return f"""# Progressive ingest of the whole corpus

Generated by `scripts/bench_progressive.py` from {f['created']} ({state}; {f['elapsed_s']} s so far). Machine:
{f['machine'].get('cpu_model', '?')}, load average at the start {', '.join(f'{x:.2f}' for x in f['load_average_at_start'])}
(a machine shared with other work: figures under load). A cold `nlp-service ingest` of the whole shared corpus
(empty store and embedding cache) in a child process, niced; this process serves meanwhile: one typed query
(hybrid, k=10) every 0.5 s against the generation the ingest swapped in last. Swap interval {f['swap_seconds_setting']} s.

| figure | value | target |
|---|---|---|
| first generation serving | {f['first_generation_s']} s | |
| first search with results | {s['first_search_s']} s | < {TARGET_FIRST_SEARCH_S} s: {'met' if s['first_search_under_90_s'] else '**not met**'} |
| dense coverage complete | {full} | report |
| swaps seen | {s['swaps_seen']} | |
| loading a swapped generation, reader side | p50 {s['reader_load_ms_p50']} ms, max {s['reader_load_ms_max']} ms | small |
| typed queries during the embedding | {s['queries_during_embedding']}: p50 {s['typed_p50_ms_during_embedding']} ms, p95 {s['typed_p95_ms_during_embedding']} ms | p95 < {TARGET_P95_MS} ms: {'met' if s['typed_p95_under_100_ms'] else '**not met**'} |

The writer's last lines: {' / '.join(f.get('writer_output', [])) or '(still running)'}

## Swaps

| at s | units | dense coverage | load ms (reader) |
|---|---|---|---|
{rows}
"""


if __name__ == "__main__":
    sys.exit(main())
