"""One writer at a time: an advisory lock file in the index home."""
from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from .errors import Busy
from .home import Home


class WriterBusyError(Busy, RuntimeError):
    """Another ingest, reindex or upload holds the write lock."""


class WriteLock:
    """``fcntl.flock`` on the home's write lock file; released by the kernel if the holder dies."""

    def __init__(self, home: Path, purpose: str):
        self.path = Home(home).write_lock
        self.purpose = purpose
        self._fd: int | None = None

    def __enter__(self) -> "WriteLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            raise WriterBusyError(
                f"another writer is running ({holder or 'unknown'}); try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{self.purpose}, pid {os.getpid()}, since {time.strftime('%H:%M:%S')}".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
