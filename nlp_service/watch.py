"""``nlp-service ingest --watch``: a register export that lands in a folder becomes searchable
without a person.

Polling, not inotify: it works the same on network shares and in containers, and a folder of
council letters changes a few times a day. Each poll compares the files' names, sizes and
modification times with the last ingest's and ingests again only when they differ; ingesting is
idempotent anyway (an unchanged document is stored once), so a missed or doubled poll is harmless.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .locking import WriterBusyError

DEFAULT_INTERVAL_S = 60.0

Signature = tuple[tuple[str, int, int], ...]


def signature(paths: Sequence[Path]) -> Signature:
    """Every file under ``paths`` with its size and modification time."""
    files: list[tuple[str, int, int]] = []
    for root in paths:
        for path in [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()):
            try:
                stat = path.stat()
            except OSError:  # removed between listing and looking
                continue
            files.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(files)


def watch(ingest: Callable[[], str], paths: Sequence[Path], echo: Callable[[str], None],
          interval: float = DEFAULT_INTERVAL_S, polls: int | None = None,
          sleep: Callable[[float], None] = time.sleep) -> None:
    """Run ``ingest`` (it returns its summary) now and whenever the files under ``paths`` change;
    ``polls``: stop after that many looks (None: until interrupted)."""
    seen: Signature | None = None
    done = 0
    while polls is None or done < polls:
        now = signature(paths)
        if now != seen:
            try:
                echo(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {ingest()}")
                seen = now
            except WriterBusyError as exc:  # another writer: the next poll tries again
                echo(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {exc}")
        done += 1
        if polls is None or done < polls:
            sleep(interval)
