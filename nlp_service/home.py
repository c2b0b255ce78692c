"""The layout of an index home: every path in it, named once.

::

    <home>/store.sqlite        the store (documents, questions, units), with -wal and -shm
    <home>/embeddings.sqlite   the embedding cache (another file when NLP_SERVICE_CACHE says so)
    <home>/write.lock          held by the one writer (ingest, reindex, upload)
    <home>/generations/<id>/   immutable index generations (see index/generation.py)
    <home>/CURRENT             the id of the generation that serves
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

STORE_FILE = "store.sqlite"
CACHE_FILE = "embeddings.sqlite"
LOCK_FILE = "write.lock"
GENERATIONS_DIR = "generations"
CURRENT_FILE = "CURRENT"


@dataclass(frozen=True)
class Home:
    """The paths of the index home at ``root``."""

    root: Path
    store: Path = field(init=False)
    #: the embedding cache when the settings name no other file (Settings.cache_path)
    default_cache: Path = field(init=False)
    write_lock: Path = field(init=False)
    generations: Path = field(init=False)
    current: Path = field(init=False)

    def __post_init__(self) -> None:
        root = Path(self.root)
        paths = {"root": root, "store": root / STORE_FILE, "default_cache": root / CACHE_FILE,
                 "write_lock": root / LOCK_FILE, "generations": root / GENERATIONS_DIR, "current": root / CURRENT_FILE}
        for name, path in paths.items():
            object.__setattr__(self, name, path)

    @property
    def store_files(self) -> tuple[Path, ...]:
        """The store with SQLite's write-ahead log and shared memory beside it."""
        return tuple(self.root / f"{STORE_FILE}{suffix}" for suffix in ("", "-wal", "-shm"))
