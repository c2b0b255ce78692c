"""Query latency under 1 and N concurrent clients, over the Python API and over HTTP.

The HTTP server runs in a process of its own (the real app from
``nlp_service.web.create_app`` under waitress, as ``nlp-service serve`` runs it),
so its memory is measured alone and the clients do not share its GIL.
"""
from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import numpy as np
import psutil

from ..service import Service

Call = Callable[[str], None]
WARM_UP_REQUESTS = 3


def summarise(latencies_ms: Sequence[float], wall_s: float) -> dict:
    values = np.asarray(latencies_ms)
    return {"requests": len(values), "p50_ms": round(float(np.percentile(values, 50)), 1),
            "p95_ms": round(float(np.percentile(values, 95)), 1), "p99_ms": round(float(np.percentile(values, 99)), 1),
            "mean_ms": round(float(values.mean()), 1), "throughput_rps": round(len(values) / wall_s, 1)}


def timed_calls(call: Call, queries: Sequence[str], clients: int, requests: int) -> dict:
    """``requests`` calls spread over ``clients`` threads, queries taken in turn."""
    for query in queries[:WARM_UP_REQUESTS]:
        call(query)

    def one(i: int) -> float:
        started = time.perf_counter()
        call(queries[i % len(queries)])
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        latencies = list(pool.map(one, range(requests)))
    return summarise(latencies, time.perf_counter() - started)


def python_call(service: Service, mode: str) -> Call:
    def call(query: str) -> None:
        service.search(service.make_request(query, k=10, mode=mode))
    return call


def http_call(base_url: str, mode: str) -> Call:
    """GET for short queries, POST (as the page does) when the query would not fit a URL."""
    url = urlsplit(base_url)
    local = threading.local()  # one keep-alive connection per client thread

    def call(query: str) -> None:
        conn = getattr(local, "conn", None) or http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        local.conn = conn
        if len(query) < 1500:
            conn.request("GET", "/api/search?" + urlencode({"q": query, "mode": mode, "k": 10}))
        else:
            conn.request("POST", "/api/search", body=json.dumps({"q": query, "mode": mode, "k": 10}),
                         headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
    return call


@contextmanager
def server_process(home: Path, threads: int) -> Iterator[tuple[str, psutil.Process]]:
    """The real server in a child process on a free loopback port; yields its URL and process."""
    command = [sys.executable, "-m", "nlp_service.benchmarks.server", str(home), str(threads)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        url = _read_url(child)
        yield url, psutil.Process(child.pid)
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _read_url(child: subprocess.Popen) -> str:
    """The child prints its URL once it has loaded the index and the model (or exits)."""
    line = child.stdout.readline() if child.stdout else ""
    if not line.startswith("http"):
        raise RuntimeError(f"the benchmark server did not start (said {line!r}, exit {child.poll()})")
    return line.strip()


def peak_rss_mib(process: psutil.Process) -> float:
    """Linux keeps a process's peak resident set (VmHWM); elsewhere the current RSS."""
    try:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(process.memory_info().rss / 2 ** 20, 1)
