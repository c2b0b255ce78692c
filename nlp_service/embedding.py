"""The service's text encoder (multilingual-e5-small) and its on-disk embedding cache.

:class:`Encoder` hides two interchangeable backends behind one interface:

* ``"torch"``: the sentence-transformers model as built by :mod:`nlp_service.modelbuild`
  (fp32, ``SentenceTransformer.encode_query`` / ``encode_document``);
* ``"onnx"``: the int8 ONNX export in the same directory, run by onnxruntime. It uses the
  directory's own tokenizer, prompts, pooling and normalisation settings, so it computes what
  the sentence-transformers pipeline computes, only with int8 matmuls. (sentence-transformers'
  own ``backend="onnx"`` needs ``optimum``, which does not resolve with sentence-transformers
  6 / transformers 5.) When the ONNX file is missing the encoder falls back to torch and says so.

Loading never touches the network: everything is read from the model directory.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# Same names as the build writes (kept here so that loading does not import the builder).
ONNX_INT8 = "onnx/model_int8.onnx"
REPORT = "build_report.json"
BUILD_HINT = "run `nlp-service model build` first"


class ModelNotFoundError(FileNotFoundError):
    """The model directory is missing or incomplete."""


def _read_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _require_model_dir(model_dir: Path) -> None:
    needed = ("modules.json", "config.json", "tokenizer.json", "config_sentence_transformers.json")
    missing = [name for name in needed if not (model_dir / name).is_file()]
    if missing:
        what = "does not exist" if not model_dir.exists() else f"is incomplete (missing {', '.join(missing)})"
        raise ModelNotFoundError(f"embedding model directory {model_dir} {what}; {BUILD_HINT}")


def _normalize_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


class _DirectorySettings:
    """The parts of a sentence-transformers directory that define its output vectors."""

    def __init__(self, model_dir: Path) -> None:
        st_cfg = _read_json(model_dir / "config_sentence_transformers.json")
        prompts = st_cfg.get("prompts") or {}
        self.query_prompt = prompts.get("query", "")
        # encode_document's own lookup order
        self.document_prompt = next((prompts[k] for k in ("document", "passage", "corpus") if k in prompts), "")
        modules = _read_json(model_dir / "modules.json")
        types = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = _read_json(model_dir / pooling_dir / "config.json")
        if pooling.get("pooling_mode", "mean") != "mean" or not pooling.get("include_prompt", True):
            raise ValueError(f"{model_dir}: the ONNX backend implements mean pooling over all tokens only")
        self.normalize = "Normalize" in types
        tok_cfg = _read_json(model_dir / "tokenizer_config.json") if (model_dir / "tokenizer_config.json").is_file() else {}
        bert_cfg = _read_json(model_dir / "config.json")
        self.max_tokens = int(min(tok_cfg.get("model_max_length", 10**9), bert_cfg.get("max_position_embeddings", 512)))
        self.dim = int(pooling.get("embedding_dimension") or bert_cfg["hidden_size"])


def _load_tokenizer(model_dir: Path):
    """The directory's fast tokenizer, without padding or truncation (callers do both)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def _truncate(ids: list[int], max_tokens: int) -> list[int]:
    """Cut the content, keep the closing special token: what tokenizers' truncation does."""
    return ids if len(ids) <= max_tokens else ids[: max_tokens - 1] + ids[-1:]


class _OnnxBackend:
    """onnxruntime session computing ``last_hidden_state``; pooling + normalisation here, as ST does."""

    #: padded tokens per run: caps the attention scores of a batch of long texts (batch x 12 heads
    #: x length^2 floats) at ~200 MB instead of ~400 MB for 32 x 512 tokens
    MAX_BATCH_TOKENS = 1024

    def __init__(self, onnx_path: Path, settings: _DirectorySettings, tokenizer, threads: int,
                 profile_prefix: str | None = None) -> None:
        import onnxruntime as ort

        self.settings = settings
        self.tokenizer = tokenizer  # tokenizers.Tokenizer: ~280 MB for this vocabulary, so only one
        self.pad_id = self.tokenizer.token_to_id("<pad>")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Shapes change with every batch: the default arena would keep the largest batch's
        # buffers for good, and memory patterns only pay off for fixed shapes.
        opts.enable_cpu_mem_arena = False
        opts.enable_mem_pattern = False
        # Idle worker threads sleep instead of spinning: on 2 shared cores a spinning pool
        # starves the other processes and itself (measured under load: 26 vs 50 ms per query).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        if profile_prefix:  # per-operator timings (benchmarks only): session.end_profiling() names the file
            opts.enable_profiling = True
            opts.profile_file_prefix = profile_prefix
        self.session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])

    def count(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self.tokenizer.encode_batch(texts)]

    def encode(self, texts: Sequence[str], prompt: str, batch_size: int, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.settings.dim), dtype=np.float32)
        if not texts:
            return out
        max_tokens = self.settings.max_tokens
        rows = [_truncate(e.ids, max_tokens) for e in self.tokenizer.encode_batch([prompt + t for t in texts])]
        for batch in _maybe_tqdm(self._batches(rows, batch_size), progress, "embedding"):
            ids, mask = self._pad([rows[i] for i in batch])
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            weights = mask[..., None].astype(np.float32)
            out[batch] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return _normalize_rows(out) if self.settings.normalize else out

    def _batches(self, rows: list[list[int]], batch_size: int) -> list[list[int]]:
        """Longest first, like SentenceTransformer.encode (little padding), within the token budget."""
        order = sorted(range(len(rows)), key=lambda i: -len(rows[i]))
        batches: list[list[int]] = []
        for i in order:
            # sorted longest first, so a batch's first row sets its padded width
            if batches and len(batches[-1]) < batch_size and \
                    (len(batches[-1]) + 1) * len(rows[batches[-1][0]]) <= self.MAX_BATCH_TOKENS:
                batches[-1].append(i)
            else:
                batches.append([i])
        return batches

    def _pad(self, rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = r
            mask[i, : len(r)] = 1
        return ids, mask


def onnx_backend(model_dir: Path, threads: int, onnx_path: Path | None = None,
                 profile_prefix: str | None = None) -> _OnnxBackend:
    """The session the Encoder uses, alone (default: the shipped int8 file), with the model
    directory's tokenizer and pooling: for the build's checks and the encoder benchmarks."""
    model_dir = Path(model_dir)
    return _OnnxBackend(onnx_path or model_dir / ONNX_INT8, _DirectorySettings(model_dir),
                        _load_tokenizer(model_dir), threads, profile_prefix)


class _TorchBackend:
    """The sentence-transformers model itself."""

    def __init__(self, model_dir: Path, threads: int) -> None:
        # transformers sets truncation on the shared Rust tokenizer at every call, so counting
        # (no truncation) and encoding (truncation) must not interleave between threads
        self._lock = threading.Lock()
        # OpenMP reads this when torch is first imported. Spinning threads stall at every
        # barrier once another process holds a core: 430-1490 ms per query on our busy 2-core
        # box against 82 ms passive. Set it in the environment to override.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self.model = SentenceTransformer(
            str(model_dir),
            device="cpu",
            local_files_only=True,
            backend="torch",
            # the source file has no BERT pooler and mean pooling does not use one
            model_kwargs={"add_pooling_layer": False},
        )
        self.model.eval()

    def encode(self, texts: Sequence[str], document: bool, batch_size: int, progress: bool = False) -> np.ndarray:
        fn = self.model.encode_document if document else self.model.encode_query
        with self._lock:
            vecs = fn(list(texts), batch_size=batch_size, convert_to_numpy=True, show_progress_bar=progress)
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)

    def count(self, texts: list[str]) -> list[int]:
        # the model's own tokenizer: a second copy of this vocabulary would cost ~280 MB
        with self._lock:
            ids = self.model.tokenizer(texts, add_special_tokens=True, truncation=False, padding=False,
                                     verbose=False)["input_ids"]
        return [len(x) for x in ids]


def _maybe_tqdm(items, progress: bool, desc: str):
    if not progress:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="batch")


def _fingerprint(model_dir: Path, tag: str, weights: Path) -> str:
    """Short id of the files that decide the vectors; from the build report when present."""
    try:
        fp = _read_json(model_dir / REPORT)["fingerprints"][tag]
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
        _require_model_dir(self.model_dir)
        # tokenizers' Rust thread pool reads this once, on first use; keep it within our budget
        os.environ.setdefault("RAYON_NUM_THREADS", str(threads))
        self.threads, self.batch_size = threads, batch_size
        self._settings = _DirectorySettings(self.model_dir)
        onnx_path = self.model_dir / ONNX_INT8
        if backend == "onnx" and not onnx_path.is_file():
            log.warning("%s not found (the build did not pass its ONNX checks?); using the torch backend", onnx_path)
            backend = "torch"
        self.backend = backend
        if backend == "onnx":
            self._impl = _OnnxBackend(onnx_path, self._settings, _load_tokenizer(self.model_dir), threads)
            tag, weights = "onnx-int8", onnx_path
        else:
            self._impl = _TorchBackend(self.model_dir, threads)
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
        if self.backend == "onnx":
            prompt = self._settings.document_prompt if document else self._settings.query_prompt
            return self._impl.encode(texts, prompt, self.batch_size, progress)
        return _normalize_rows(self._impl.encode(texts, document, self.batch_size, progress))

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


class EmbeddingCacheError(RuntimeError):
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
