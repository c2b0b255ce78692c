"""Index generations: immutable folders swapped in with one atomic rename.

Layout under the home folder::

    generations/<id>/dense.faiss      FAISS index (IndexIDMap2)
    generations/<id>/lexical.sqlite   FTS5 postings
    generations/<id>/manifest.json    sizes, sha256 checksums, model id, units recipe, format
    CURRENT                           the id of the generation that serves

A generation is built in ``<id>.tmp``, fsynced, renamed to ``<id>``, and only
then named in ``CURRENT`` (written to a temporary file and renamed). A crash at
any point leaves ``CURRENT`` naming a complete generation. Readers verify the
manifest before use, so a torn or foreign file is reported, never loaded.
"""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..errors import Unavailable
from ..home import Home
from ..fsutil import atomic_write_text, file_sha256, fsync_path
from .dense import DenseIndex
from .lexical import LexicalIndex

FORMAT_VERSION = 1
DENSE_FILE = "dense.faiss"
LEXICAL_FILE = "lexical.sqlite"
MANIFEST_FILE = "manifest.json"


class IndexUnavailableError(Unavailable, RuntimeError):
    """No usable index: never built, or a file is damaged."""


@dataclass(frozen=True)
class Manifest:
    id: str
    format: int
    created: float
    model_id: str
    dim: int
    dense_kind: str
    units: int
    files: dict  # name -> {"size": int, "sha256": str}
    store_revision: int = 0  # the store revision the index was built from
    units_recipe: int = 0  # the rules units and index terms were made by (units.UNITS_RECIPE); 0 = not recorded
    #: units with a vector in the dense index; the lexical index holds all ``units``. Fewer while
    #: an ingest embeds in the background (lexical first); -1 = not recorded (built whole)
    dense_units: int = -1

    @property
    def dense_coverage(self) -> float:
        """The share of the units that dense search can find, 0 to 1."""
        if self.dense_units < 0 or self.units == 0:
            return 1.0
        return min(1.0, self.dense_units / self.units)

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise IndexUnavailableError(
                f"index manifest {path} is missing or damaged ({exc}): run `nlp-service reindex`"
            ) from None


def generations_dir(home: Path) -> Path:
    return Home(home).generations


def current_id(home: Path) -> str | None:
    try:
        text = Home(home).current.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def write_generation(
    home: Path,
    unit_ids: np.ndarray,
    vectors: np.ndarray,
    unit_texts: Iterable[tuple[int, str]],
    model_id: str,
    dense_kind: str | None = None,
    store_revision: int = 0,
    units_recipe: int = 0,
    dense_ids: np.ndarray | None = None,
    lexical_from: Manifest | None = None,
) -> str:
    """Build a complete generation folder (not yet serving); returns its id.

    ``vectors`` belong to ``dense_ids`` (default: all ``unit_ids``): while an ingest embeds in
    the background only some units have one. ``lexical_from``: a complete generation whose
    lexical index holds exactly these units (same store revision and units recipe); its file is
    hard-linked instead of rebuilt (generations never change a file), so a swap that only adds
    vectors costs the dense index alone.
    """
    gen_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:8]
    final = generations_dir(home) / gen_id
    tmp = final.with_name(gen_id + ".tmp")
    tmp.mkdir(parents=True)
    dense_ids = unit_ids if dense_ids is None else dense_ids
    dense = DenseIndex.build(vectors, dense_ids, dim=vectors.shape[1], kind=dense_kind)
    dense.write(tmp / DENSE_FILE)
    files = {}
    if lexical_from is not None:
        os.link(generations_dir(home) / lexical_from.id / LEXICAL_FILE, tmp / LEXICAL_FILE)
        files[LEXICAL_FILE] = lexical_from.files[LEXICAL_FILE]
    else:
        LexicalIndex.build(tmp / LEXICAL_FILE, unit_texts)
    for name in (DENSE_FILE, LEXICAL_FILE):
        fsync_path(tmp / name)
        files.setdefault(name, {"size": (tmp / name).stat().st_size, "sha256": file_sha256(tmp / name)})
    manifest = Manifest(gen_id, FORMAT_VERSION, time.time(), model_id, int(vectors.shape[1]),
                        dense.kind, int(len(unit_ids)), files, store_revision, units_recipe, int(len(dense_ids)))
    atomic_write_text(tmp / MANIFEST_FILE, json.dumps(asdict(manifest), indent=2))
    fsync_path(tmp)
    tmp.rename(final)
    fsync_path(final.parent)
    return gen_id


def activate(home: Path, gen_id: str) -> None:
    """Make ``gen_id`` the serving generation: one atomic rename of CURRENT."""
    if not (generations_dir(home) / gen_id / MANIFEST_FILE).exists():
        raise IndexUnavailableError(f"generation {gen_id} is incomplete; not activated")
    atomic_write_text(Home(home).current, gen_id + "\n")


def prune(home: Path, keep: int = 2) -> list[str]:
    """Delete unfinished builds and all but the newest ``keep`` complete generations.

    Only call while holding the write lock: a ``.tmp`` folder may be a build in progress.
    """
    root = generations_dir(home)
    if not root.exists():
        return []
    serving = current_id(home)
    removed = []
    complete = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.endswith(".tmp"))
    stale = [p for p in root.iterdir() if p.name.endswith(".tmp")]
    stale += [p for p in complete[:-keep] if p.name != serving]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


def serving_manifest(home: Path) -> Manifest | None:
    """The manifest of the serving generation, or None when there is none."""
    gen_id = current_id(home)
    if gen_id is None:
        return None
    try:
        return Manifest.read(generations_dir(home) / gen_id / MANIFEST_FILE)
    except IndexUnavailableError:
        return None


class Generation:
    """A loaded, verified generation: the dense index and a handle on the lexical one."""

    def __init__(self, folder: Path, manifest: Manifest, dense: DenseIndex, lexical: LexicalIndex):
        self.folder = folder
        self.manifest = manifest
        self.dense = dense
        self.lexical = lexical
        self._local = threading.local()

    @property
    def id(self) -> str:
        return self.manifest.id

    def lexical_conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self.lexical.connect()
        return conn

    @property
    def dense_coverage(self) -> float:
        return self.manifest.dense_coverage

    @classmethod
    def load(cls, home: Path, previous: "Generation | None" = None) -> "Generation":
        """The serving generation, verified. A file that is the very file ``previous`` (loaded and
        verified) holds, hard-linked, is not hashed again: a swap that only added vectors costs
        the server the dense file alone."""
        gen_id = current_id(home)
        if gen_id is None:
            raise IndexUnavailableError(
                f"no index in {home}: run `nlp-service ingest PATH` or `nlp-service reindex`"
            )
        folder = generations_dir(home) / gen_id
        manifest = Manifest.read(folder / MANIFEST_FILE)
        if manifest.format != FORMAT_VERSION:
            raise IndexUnavailableError(
                f"index {folder} has format {manifest.format}, expected {FORMAT_VERSION}: run `nlp-service reindex`"
            )
        for name, expected in manifest.files.items():
            if not (previous is not None and same_file(previous.folder / name, folder / name)
                    and previous.manifest.files.get(name) == expected):
                verify_file(folder / name, expected)
        try:
            dense = DenseIndex.read(folder / DENSE_FILE, manifest.dense_kind)
        except RuntimeError as exc:  # FAISS raises RuntimeError on unreadable files
            raise IndexUnavailableError(
                f"index file {folder / DENSE_FILE} cannot be read ({exc}): run `nlp-service reindex`"
            ) from None
        return cls(folder, manifest, dense, LexicalIndex(folder / LEXICAL_FILE))


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` are links to one file (a generation's lexical index reused)."""
    try:
        sa, sb = a.stat(), b.stat()
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def verify_file(path: Path, expected: dict) -> None:
    """Size first (cheap, catches truncation), then the checksum (catches foreign files)."""
    if not path.exists():
        raise IndexUnavailableError(f"index file {path} is missing: run `nlp-service reindex`")
    if path.stat().st_size != expected["size"] or file_sha256(path) != expected["sha256"]:
        raise IndexUnavailableError(
            f"index file {path} is damaged (size or checksum differs from its manifest): "
            "run `nlp-service reindex`"
        )
