"""Index homes of their own for the evaluation and the benchmarks: built, cleared, rebuilt.

Embedding is what costs time, so clearing a home keeps the embedding cache; the
evaluation shares the serving home's cache file (``Settings.cache_file``), so
neither embeds a text the other already did.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from ..config import Settings
from ..home import Home


def with_home(settings: Settings, home: Path, cache: Path | None = None) -> Settings:
    """Settings for another index home; its embedding cache is ``cache`` (default: its own file)."""
    return settings.replace(home=Path(home), cache_file=str(cache or Home(home).default_cache))


def clear_index(home: Path) -> None:
    """Remove the store and every index generation; the caches stay."""
    paths = Home(home)
    for path in (*paths.store_files, paths.current):
        path.unlink(missing_ok=True)
    shutil.rmtree(paths.generations, ignore_errors=True)
