"""The layout of an index home: every path in it, named once.

::

    <home>/store.sqlite        the store (documents, questions, units), with -wal and -shm
    <home>/embeddings.sqlite   the embedding cache (another file when NLP_SERVICE_CACHE says so)
    <home>/write.lock          held by the one writer (ingest, reindex, upload)
    <home>/generations/<id>/   immutable index generations (see index/generation.py)
    <home>/CURRENT             the id of the generation that serves
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STORE_FILE = "store.sqlite"
CACHE_FILE = "embeddings.sqlite"
LOCK_FILE = "write.lock"
GENERATIONS_DIR = "generations"
CURRENT_FILE = "CURRENT"


@dataclass(frozen=True)
class Home:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def store(self) -> Path:
        return self.root / STORE_FILE

    @property
    def store_files(self) -> tuple[Path, ...]:
        """The store with SQLite's write-ahead log and shared memory beside it."""
        return tuple(self.root / f"{STORE_FILE}{suffix}" for suffix in ("", "-wal", "-shm"))

    @property
    def default_cache(self) -> Path:
        return self.root / CACHE_FILE

    @property
    def write_lock(self) -> Path:
        return self.root / LOCK_FILE

    @property
    def generations(self) -> Path:
        return self.root / GENERATIONS_DIR

    @property
    def current(self) -> Path:
        return self.root / CURRENT_FILE

    def generation(self, gen_id: str) -> Path:
        return self.generations / gen_id
