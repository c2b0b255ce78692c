"""Ingest throughput: documents and units per second, with a cold and a warm embedding cache."""
from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from ..config import Settings
from ..embedding import Encoder
from ..evaluation.homes import with_home
from ..service import Service


def ingest_once(settings: Settings, encoder: Encoder, paths: Sequence[Path]) -> dict:
    report = Service(settings, encoder).ingest_paths(paths)
    if report.failed:
        raise RuntimeError(f"benchmark corpus did not parse: {report.failed[:3]}")
    seconds = max(report.seconds, 1e-9)
    return {"documents": report.changed, "units": report.units, "embedded": report.embedded,
            "seconds": round(report.seconds, 2), "documents_per_s": round(report.changed / seconds, 1),
            "units_per_s": round(report.units / seconds, 1)}


def cold_and_warm(settings: Settings, encoder: Encoder, paths: Sequence[Path], work_dir: Path) -> dict:
    """The same files into an empty home twice: first with an empty embedding cache, then
    with the first run's cache (what a re-ingest, a reindex or a restore sees).
    The model is loaded beforehand, so neither figure includes loading it."""
    cold_home, warm_home = work_dir / "cold", work_dir / "warm"
    for home in (cold_home, warm_home):
        shutil.rmtree(home, ignore_errors=True)
    cold_settings = with_home(settings, cold_home)  # a cache of its own: really cold
    cold = ingest_once(cold_settings, encoder, paths)
    warm = ingest_once(with_home(settings, warm_home, cache=cold_settings.cache_path), encoder, paths)
    for home in (cold_home, warm_home):
        shutil.rmtree(home, ignore_errors=True)
    return {"cold": cold, "warm": warm}
