"""The service's text encoder (multilingual-e5-small) and its on-disk embedding cache.

:class:`Encoder` puts one of two interchangeable backends (:mod:`nlp_service.model.backends`)
behind the service's interface: ``"onnx"`` (the int8 export, the default) or ``"torch"``.
When the ONNX file is missing the encoder falls back to torch and says so.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import Unavailable
from .model.backends import DirectorySettings, EncoderBackend, OnnxBackend, TorchBackend, load_tokenizer, read_json
from .model.folder import ONNX_INT8, REPORT, ModelNotFoundError, require_model_dir

__all__ = ["Encoder", "EmbeddingCache", "EmbeddingCacheError", "ModelNotFoundError", "encode_documents_cached",
           "open_encoder"]
log = logging.getLogger(__name__)


def _fingerprint(model_dir: Path, tag: str, weights: Path) -> str:
    """Short id of the files that decide the vectors; from the build report when present."""
    try:
        fp = read_json(model_dir / REPORT)["fingerprints"][tag]
        if fp:
            return str(fp)[:12]
    except (OSError, KeyError, ValueError, TypeError):
        pass
    h = hashlib.sha256()
    for path in (weights, model_dir / "tokenizer.json"):
        st = path.stat()
        h.update(f"{path.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:12]


class Encoder:
    """multilingual-e5-small for the service: queries and passages to L2-normalised float32 vectors.

    ``backend="onnx"`` uses the int8 export (faster; verified against torch at build time) and
    falls back to torch with a warning when the build did not produce one.
    """

    def __init__(self, model_dir: Path, backend: str = "onnx", threads: int = 2, batch_size: int = 32) -> None:
        if backend not in ("onnx", "torch"):
            raise ValueError(f"backend must be 'onnx' or 'torch', got {backend!r}")
        if threads < 1 or batch_size < 1:
            raise ValueError("threads and batch_size must be at least 1")
        self.model_dir = Path(model_dir)
        require_model_dir(self.model_dir)
        self.threads, self.batch_size = threads, batch_size
        self._settings = DirectorySettings(self.model_dir)
        onnx_path = self.model_dir / ONNX_INT8
        if backend == "onnx" and not onnx_path.is_file():
            log.warning("%s not found (the build did not pass its ONNX checks?); using the torch backend", onnx_path)
            backend = "torch"
        self.backend = backend
        self._impl: EncoderBackend
        if backend == "onnx":
            self._impl = OnnxBackend(onnx_path, self._settings, load_tokenizer(self.model_dir), threads, batch_size)
            tag, weights = "onnx-int8", onnx_path
        else:
            self._impl = TorchBackend(self.model_dir, threads, batch_size)
            tag, weights = "torch-fp32", self.model_dir / "model.safetensors"
        self._model_id = f"{self.model_dir.name}/{tag}@{_fingerprint(self.model_dir, tag, weights)}"

    @property
    def model_id(self) -> str:
        """Names the model, backend and exact weights: changes whenever the vectors would."""
        return self._model_id

    @property
    def dim(self) -> int:
        return self._settings.dim

    @property
    def max_tokens(self) -> int:
        """Longest input, counted with prompt and special tokens; longer input is truncated."""
        return self._settings.max_tokens

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, document=False, progress=False)

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts, document=True, progress=progress)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text takes as a passage, incl. prompt and specials, without truncation."""
        prompt = self._settings.document_prompt
        texts = _as_text_list(texts)
        return self._impl.count([prompt + t for t in texts]) if texts else []

    def _encode(self, texts: Sequence[str], document: bool, progress: bool) -> np.ndarray:
        texts = _as_text_list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._impl.encode(texts, document, progress)

    def __repr__(self) -> str:
        return f"Encoder({self.model_id!r}, threads={self.threads}, batch_size={self.batch_size})"


def _as_text_list(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("pass a list of texts, not a single string")
    texts = list(texts)
    for t in texts:
        if not isinstance(t, str):
            raise TypeError(f"texts must be str, got {type(t).__name__}")
    return texts


# --- cache ----------------------------------------------------------------------------


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCacheError(Unavailable, RuntimeError):
    """The embedding cache file cannot be opened or is not one (a folder, another file)."""


class EmbeddingCache:
    """SQLite file: (model_id, sha256(text)) -> float32 vector.

    WAL mode so readers (the web server) are not blocked by a writer (an indexing run);
    writes go in batched transactions. Safe to share between threads of one process.
    """

    WRITE_BATCH = 500
    READ_BATCH = 500  # keeps each query well under SQLite's bound-parameter limit

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS embeddings ("
                " model_id TEXT NOT NULL, text_sha256 BLOB NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,"
                " PRIMARY KEY (model_id, text_sha256)) WITHOUT ROWID"
            )
        except (OSError, sqlite3.Error) as exc:
            raise EmbeddingCacheError(
                f"embedding cache {self.path} cannot be used ({exc}): point NLP_SERVICE_CACHE at a cache "
                "file or a path where one can be made"
            ) from None

    def get_many(self, model_id: str, texts: Sequence[str]) -> dict[int, np.ndarray]:
        """Cached vectors by position in ``texts``; texts not in the cache are absent."""
        keys = [text_key(t) for t in texts]
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            for i in range(0, len(unique), self.READ_BATCH):
                chunk = unique[i : i + self.READ_BATCH]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT text_sha256, dim, vector FROM embeddings WHERE model_id = ? AND text_sha256 IN ({marks})",
                    [model_id, *chunk],
                ).fetchall()
                for key, dim, blob in rows:
                    found[bytes(key)] = np.frombuffer(blob, dtype=np.float32, count=dim).copy()
        return {i: found[k] for i, k in enumerate(keys) if k in found}

    def put_many(self, model_id: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise ValueError(f"need one vector per text: {len(texts)} texts, vectors of shape {vectors.shape}")
        rows = [(model_id, text_key(t), int(v.shape[0]), v.tobytes()) for t, v in zip(texts, vectors)]
        with self._lock:
            for i in range(0, len(rows), self.WRITE_BATCH):
                with self._transaction():
                    self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)", rows[i : i + self.WRITE_BATCH])

    def count(self, model_id: str | None = None) -> int:
        with self._lock:
            if model_id is None:
                return self._db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
            return self._db.execute("SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (model_id,)).fetchone()[0]

    @contextlib.contextmanager
    def _transaction(self):
        # explicit BEGIN IMMEDIATE: take the write lock up front instead of failing half-way
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> "EmbeddingCache":
        return self

    def __exit__(self, *_) -> None:
        self.close()


def encode_documents_cached(
    encoder: Encoder, cache: EmbeddingCache, texts: Sequence[str], progress: bool = False, chunk_size: int = 1024
) -> np.ndarray:
    """Passage vectors for ``texts``, embedding only those not cached yet.

    New vectors are stored chunk by chunk, so an interrupted indexing run keeps what it did.
    """
    texts = _as_text_list(texts)
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    hits = cache.get_many(encoder.model_id, texts)
    for i, vec in hits.items():
        out[i] = vec
    # each distinct missing text is embedded once, however often it occurs
    positions: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        if i not in hits:
            positions.setdefault(t, []).append(i)
    missing = list(positions)
    from tqdm.auto import tqdm

    bar = tqdm(total=len(missing), desc="embedding", unit="text", disable=not progress or not missing)
    with bar:
        for start in range(0, len(missing), chunk_size):
            chunk = missing[start : start + chunk_size]
            vecs = encoder.encode_documents(chunk)
            cache.put_many(encoder.model_id, chunk, vecs)
            for t, v in zip(chunk, vecs):
                out[positions[t]] = v
            bar.update(len(chunk))
    return out


def open_encoder(settings) -> Encoder:
    """The encoder the settings describe (model directory, backend, threads, batch size)."""
    return Encoder(settings.model_dir, backend=settings.encoder_backend, threads=settings.threads,
                   batch_size=settings.batch_size)
