"""Crash-safe file writes: write a temporary name, fsync, rename, fsync the folder."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def fsync_path(path: Path) -> None:
    """Flush a file or a folder's entries to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_path(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_report(folder: Path, stem: str, figures: dict, markdown: str) -> None:
    """A benchmark's ``<stem>.json`` (its figures) and ``<stem>.md`` (the same, for people)."""
    import json

    atomic_write_text(Path(folder) / f"{stem}.json", json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(Path(folder) / f"{stem}.md", markdown)


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend (no display on servers), chosen when a
    chart is drawn rather than at import: importing a report module changes nothing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def atomic_save_figure(fig, path: Path, dpi: int = 110) -> None:
    """A matplotlib figure written like every other file: whole or not at all."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format=Path(path).suffix.lstrip(".") or "png", dpi=dpi)
    atomic_write_bytes(path, buffer.getvalue())


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks (index files and model weights are large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
