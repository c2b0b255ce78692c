#!/usr/bin/env python
"""Bounded load test on loopback: N concurrent clients for S seconds against the real server.

    .venv/bin/python scripts/load_test.py [--home DIR] [--clients 16] [--seconds 60]

The server (the real app under waitress, in its own process) serves the given
index home; clients send a rotating set of realistic queries over HTTP
keep-alive connections. It stops by itself after ``--seconds`` and reports
errors, p50/p95/p99 latency, and the server's RSS sampled every second, so a
growing footprint shows. Writes docs/load-test.json and prints a Markdown table.
Exit status 1 when any request failed.
"""
from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path

from nlp_service.benchmarks.latency import http_call, server_process, summarise
from nlp_service.benchmarks.machine import describe
from nlp_service.config import Settings
from nlp_service.fsutil import atomic_write_text

QUERIES = [
    "scheefwonen sociale huurwoningen",
    "Welke maatregelen neemt de minister tegen vertragingen bij de NMBS?",
    "vuurwerkverbod oud en nieuw",
    "Hoeveel asielaanvragen werden er in 2016 ingediend?",
    "leefbaarheid in kwetsbare wijken en woonoverlast",
    "belastingaangifte zelfstandigen",
    "Is de gemeente bekend met dit rapport en heeft zij daarop al geacteerd?",
    "gezondheidszorg wachtlijsten ziekenhuizen",
]


def client_loop(call, deadline: float, latencies: list[float], errors: list[str], offset: int) -> None:
    i = offset
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            call(QUERIES[i % len(QUERIES)])
            latencies.append((time.perf_counter() - started) * 1000)
        except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
            errors.append(repr(exc)[:200])
        i += 1


def run(home: Path, clients: int, seconds: float, threads: int) -> dict:
    with server_process(home, threads) as (url, process):
        call = http_call(url, "hybrid")
        for query in QUERIES:
            call(query)  # warm
        rss = [process.memory_info().rss / 2 ** 20]
        latencies: list[float] = []
        errors: list[str] = []
        deadline = time.perf_counter() + seconds
        workers = [threading.Thread(target=client_loop, args=(http_call(url, "hybrid"), deadline, latencies, errors, n))
                   for n in range(clients)]
        started = time.perf_counter()
        for w in workers:
            w.start()
        while any(w.is_alive() for w in workers):
            time.sleep(1)
            rss.append(process.memory_info().rss / 2 ** 20)
        wall = time.perf_counter() - started
    return {"machine": describe(), "clients": clients, "seconds": seconds, "server_threads": threads,
            "errors": len(errors), "error_samples": errors[:5], **summarise(latencies, wall),
            "rss_mib_start": round(rss[0], 1), "rss_mib_end": round(rss[-1], 1), "rss_mib_max": round(max(rss), 1),
            # the first requests on each server thread open its connections and fill its caches:
            # a leak shows as growth in the second half too
            "rss_mib_half_way": round(rss[len(rss) // 2], 1),
            "rss_mib_second_half_growth": round(rss[-1] - rss[len(rss) // 2], 1),
            "rss_mib_per_second": [round(x, 1) for x in rss]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Settings().home)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=8, help="server worker threads")
    parser.add_argument("--out", type=Path, default=Path("docs") / "load-test.json")
    args = parser.parse_args()
    result = run(args.home, args.clients, args.seconds, args.threads)
    atomic_write_text(args.out, json.dumps(result, indent=2))
    print("| clients | seconds | requests | errors | p50 ms | p95 ms | p99 ms | req/s | RSS start → half-way → end (max) MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {result['clients']} | {result['seconds']:.0f} | {result['requests']} | {result['errors']} | "
          f"{result['p50_ms']} | {result['p95_ms']} | {result['p99_ms']} | {result['throughput_rps']} | "
          f"{result['rss_mib_start']} → {result['rss_mib_half_way']} → {result['rss_mib_end']} ({result['rss_mib_max']}) |")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
