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


#: the purpose the server's background embedding holds the lock for: it lets go between two
#: batches, and another writer waits for that turn instead of being refused
BACKGROUND_PURPOSE = "embedding in the background"
#: how long a writer waits for the background embedding's turn (a batch: seconds)
BACKGROUND_WAIT_S = 60.0
RETRY_S = 0.05


class WriteLock:
    """``fcntl.flock`` on the home's write lock file; released by the kernel if the holder dies."""

    def __init__(self, home: Path, purpose: str):
        self.path = Home(home).write_lock
        self.purpose = purpose
        self._fd: int | None = None

    def __enter__(self) -> "WriteLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + BACKGROUND_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                # empty: a holder between taking the lock and naming itself, or letting go
                if (not holder or holder.startswith(BACKGROUND_PURPOSE)) and time.monotonic() < deadline:
                    time.sleep(RETRY_S)
                    continue
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
