"""What the machine is, from /proc: benchmark figures mean little without it."""
from __future__ import annotations

import os
import platform
from pathlib import Path


def _proc_lines(name: str) -> list[str]:
    try:
        return Path("/proc", name).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def cpu_model() -> str:
    for line in _proc_lines("cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_gib() -> float:
    for line in _proc_lines("meminfo"):
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 ** 2, 1)
    return 0.0


def load_average() -> tuple[float, float, float] | None:
    """Other work on a shared machine skews timings: the report states it."""
    try:
        return os.getloadavg()
    except OSError:
        return None


def describe() -> dict:
    import faiss
    import numpy

    return {
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory_gib": memory_gib(),
        "load_average_at_start": load_average(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "faiss": faiss.__version__,
        "numpy": numpy.__version__,
    }
