"""Query vectors kept between evaluation runs.

The evaluation encodes thousands of long queries; the embedding cache of the
index only holds passages (encoded with the passage prompt), so query vectors
get their own file in the evaluation home. Keyed by model id and text, so a
new model never reads an old vector.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..embedding import Encoder

CHUNK = 128  # texts per encoder call: progress, and a bounded loss when interrupted


class CachedQueryEncoder:
    """An :class:`Encoder` whose ``encode_queries`` is memoised on disk; all else is delegated."""

    def __init__(self, encoder: Encoder, path: Path):
        self._encoder = encoder
        self.path = Path(path)
        self._vectors: dict[str, np.ndarray] = self._read()
        self.encoded = 0  # vectors computed (not read from the file) by this instance

    def __getattr__(self, name: str):
        return getattr(self._encoder, name)

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._encoder.model_id}\0{text}".encode("utf-8")).hexdigest()

    def _read(self) -> dict[str, np.ndarray]:
        if not self.path.exists():
            return {}
        with np.load(self.path) as data:
            return dict(zip(data["keys"].tolist(), data["vectors"]))

    def save(self) -> None:
        if not self._vectors:
            return
        keys = np.array(list(self._vectors))
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=np.stack(list(self._vectors.values())).astype(np.float32))
        tmp.replace(self.path)

    def prime(self, texts: Sequence[str], on_chunk: Callable[[int, int], None] | None = None) -> int:
        """Encode every text not cached yet, similar lengths together (less padding); returns how many."""
        missing = sorted({t for t in texts if self._key(t) not in self._vectors}, key=len)
        for start in range(0, len(missing), CHUNK):
            self._encode(missing[start:start + CHUNK])
            if on_chunk:
                on_chunk(min(start + CHUNK, len(missing)), len(missing))
        if missing:
            self.save()
        return len(missing)

    def _encode(self, texts: Sequence[str]) -> None:
        vectors = self._encoder.encode_queries(list(texts))
        self._vectors.update(zip((self._key(t) for t in texts), np.asarray(vectors, dtype=np.float32)))
        self.encoded += len(texts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if self._key(t) not in self._vectors]
        if missing:
            self._encode(missing)
        return np.stack([self._vectors[self._key(t)] for t in texts])
