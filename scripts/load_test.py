#!/usr/bin/env python
"""Bounded load test on loopback: normal clients alone, then beside hostile ones, against the real server.

    .venv/bin/python scripts/load_test.py [--home DIR] [--clients 16] [--seconds 60]
                                          [--hostile-large 4] [--hostile-slow 8]

The server (the real app under waitress, in its own process) serves the given
index home; normal clients send a rotating set of realistic queries over HTTP
keep-alive connections. Two phases of ``--seconds`` each: the normal clients
alone, then the same clients beside hostile ones (issue #14):

- *large bodies*: each sends, without waiting, a 9.5 MB JSON search body or a 15 MB
  anonymous upload, in turn, and reads the answer;
- *slow bodies*: each declares a 60 kB search body and sends it 100 bytes a second,
  on a new connection whenever the server drops the last one.

It reports per phase the normal clients' errors, p50/p95/p99 latency and the
server's RSS (sampled every second, so a growing footprint shows), and what the
hostile clients got. Writes docs/load-test.json and prints a Markdown table.
Exit status 1 when any normal request failed.
"""
from __future__ import annotations

import argparse
import http.client
import json
import socket
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

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
#: 9.5 MB, under MAX_UPLOAD_MB (the old limit of every route), of many small JSON values: the old
#: server parsed each one in full (about 1-2 s of CPU and 300 MB of objects)
LARGE_SEARCH_BODY = b'{"q": "woning", "pad": [' + b"1," * (9_500_000 // 2) + b'0]}'
LARGE_UPLOAD_BODY = b"Vragen:\n1. Waarom?\n" * (15 * 1024 * 1024 // 19)  # 15 MB, no token
SLOW_BODY_BYTES = 60_000
SLOW_CHUNK, SLOW_INTERVAL_S = 100, 1.0


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


def large_body_loop(url: str, deadline: float, outcomes: Counter, offset: int) -> None:
    """Large bodies sent in full without waiting for an answer (no Expect: 100-continue)."""
    host = urlsplit(url)
    i = offset
    while time.perf_counter() < deadline:
        path, body = ("/api/search", LARGE_SEARCH_BODY) if i % 2 == 0 else ("/api/documents", LARGE_UPLOAD_BODY)
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        try:
            conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            outcomes[f"large {path} {response.status}"] += 1
        except Exception as exc:  # noqa: BLE001 - what a hostile client meets is the measurement
            outcomes[f"large {path} {type(exc).__name__}"] += 1
        finally:
            conn.close()
        i += 1


def slow_body_loop(url: str, deadline: float, outcomes: Counter) -> None:
    """A search body that trickles in: held open until the server answers or drops it."""
    host = urlsplit(url)
    head = (f"POST /api/search HTTP/1.1\r\nHost: {host.hostname}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {SLOW_BODY_BYTES}\r\n\r\n").encode()
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            with socket.create_connection((host.hostname, host.port), timeout=5) as sock:
                sock.sendall(head)
                sent = 0
                while sent < SLOW_BODY_BYTES and time.perf_counter() < deadline:
                    sock.sendall(b" " * SLOW_CHUNK)
                    sent += SLOW_CHUNK
                    time.sleep(SLOW_INTERVAL_S)
            outcomes["slow held to the end of the phase"] += 1
        except OSError as exc:
            outcomes[f"slow dropped by the server ({type(exc).__name__})"] += 1
            outcomes["slow seconds held (sum)"] += round(time.perf_counter() - started)


def run_phase(url: str, process, clients: int, seconds: float, large: int, slow: int) -> dict:
    rss = [process.memory_info().rss / 2 ** 20]
    latencies: list[float] = []
    errors: list[str] = []
    outcomes: Counter = Counter()
    deadline = time.perf_counter() + seconds
    normal = [threading.Thread(target=client_loop, args=(http_call(url, "hybrid"), deadline, latencies, errors, n))
              for n in range(clients)]
    hostile = ([threading.Thread(target=large_body_loop, args=(url, deadline, outcomes, n)) for n in range(large)]
               + [threading.Thread(target=slow_body_loop, args=(url, deadline, outcomes)) for _ in range(slow)])
    started = time.perf_counter()
    for thread in hostile + normal:
        thread.start()
    while any(t.is_alive() for t in normal):
        time.sleep(1)
        rss.append(process.memory_info().rss / 2 ** 20)
    wall = time.perf_counter() - started
    for thread in hostile:
        thread.join(timeout=150)
    return {"clients": clients, "hostile_large_body_clients": large, "hostile_slow_body_clients": slow,
            "seconds": seconds, "errors": len(errors), "error_samples": errors[:5], **summarise(latencies, wall),
            "hostile_outcomes": dict(sorted(outcomes.items())),
            "rss_mib_start": round(rss[0], 1), "rss_mib_end": round(rss[-1], 1), "rss_mib_max": round(max(rss), 1),
            # the first requests on each server thread open its connections and fill its caches:
            # a leak shows as growth in the second half too
            "rss_mib_half_way": round(rss[len(rss) // 2], 1),
            "rss_mib_second_half_growth": round(rss[-1] - rss[len(rss) // 2], 1),
            "rss_mib_per_second": [round(x, 1) for x in rss]}


def run(home: Path, clients: int, seconds: float, threads: int, large: int, slow: int) -> dict:
    with server_process(home, threads) as (url, process):
        call = http_call(url, "hybrid")
        for query in QUERIES:
            call(query)  # warm
        machine = describe()
        alone = run_phase(url, process, clients, seconds, 0, 0)
        beside = run_phase(url, process, clients, seconds, large, slow) if large or slow else None
    # the normal clients alone at the top level, as the benchmark report reads them
    return {"machine": machine, "server_threads": threads, **alone, "with_hostile_clients": beside}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--home", type=Path, default=Settings().home)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60, help="per phase")
    parser.add_argument("--hostile-large", type=int, default=4, help="clients sending 10-15 MB bodies")
    parser.add_argument("--hostile-slow", type=int, default=8, help="clients trickling a body at 100 B/s")
    parser.add_argument("--threads", type=int, default=8, help="server worker threads")
    parser.add_argument("--out", type=Path, default=Path("docs") / "load-test.json")
    args = parser.parse_args()
    result = run(args.home, args.clients, args.seconds, args.threads, args.hostile_large, args.hostile_slow)
    atomic_write_text(args.out, json.dumps(result, indent=2))
    print("| normal clients | hostile (large + slow) | seconds | requests | errors | p50 ms | p95 ms | p99 ms "
          "| req/s | RSS start → half-way → end (max) MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for p in filter(None, [result, result["with_hostile_clients"]]):
        print(f"| {p['clients']} | {p['hostile_large_body_clients']} + {p['hostile_slow_body_clients']} | "
              f"{p['seconds']:.0f} | {p['requests']} | {p['errors']} | {p['p50_ms']} | {p['p95_ms']} | {p['p99_ms']} | "
              f"{p['throughput_rps']} | {p['rss_mib_start']} → {p['rss_mib_half_way']} → {p['rss_mib_end']} "
              f"({p['rss_mib_max']}) |")
        if p["hostile_outcomes"]:
            print(f"\nhostile clients got: {p['hostile_outcomes']}\n")
    return 1 if result["errors"] or (result["with_hostile_clients"] or {}).get("errors") else 0


if __name__ == "__main__":
    raise SystemExit(main())
