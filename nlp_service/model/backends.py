"""The encoder's two backends, behind one interface (:class:`EncoderBackend`).

* :class:`TorchBackend`: the sentence-transformers model itself (fp32,
  ``SentenceTransformer.encode_query`` / ``encode_document``);
* :class:`OnnxBackend`: the int8 ONNX export in the same folder, run by onnxruntime, with
  the folder's own tokenizer, prompts, pooling and normalisation settings, so it computes
  what the sentence-transformers pipeline computes, only with int8 matmuls.
  (sentence-transformers' own ``backend="onnx"`` needs ``optimum``, which does not resolve
  with sentence-transformers 6 / transformers 5.)

Both take their threads and batch size when made, and ``encode`` returns L2-normalised
float32 vectors. Loading never touches the network: everything is read from the folder.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .folder import ONNX_INT8


class EncoderBackend(Protocol):
    batch_size: int

    def encode(self, texts: Sequence[str], document: bool, progress: bool = False) -> np.ndarray:
        """L2-normalised vectors, one row per text, as a passage (``document``) or a query."""

    def count(self, texts: list[str]) -> list[int]:
        """Tokens per text as given (prompt included by the caller), with specials, untruncated."""


def read_json(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def normalize_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


class DirectorySettings:
    """The parts of a sentence-transformers directory that define its output vectors."""

    def __init__(self, model_dir: Path) -> None:
        st_cfg = read_json(model_dir / "config_sentence_transformers.json")
        prompts = st_cfg.get("prompts") or {}
        self.query_prompt = prompts.get("query", "")
        # encode_document's own lookup order
        self.document_prompt = next((prompts[k] for k in ("document", "passage", "corpus") if k in prompts), "")
        modules = read_json(model_dir / "modules.json")
        types = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = read_json(model_dir / pooling_dir / "config.json")
        if pooling.get("pooling_mode", "mean") != "mean" or not pooling.get("include_prompt", True):
            raise ValueError(f"{model_dir}: the ONNX backend implements mean pooling over all tokens only")
        self.normalize = "Normalize" in types
        tok_cfg = read_json(model_dir / "tokenizer_config.json") if (model_dir / "tokenizer_config.json").is_file() else {}
        bert_cfg = read_json(model_dir / "config.json")
        self.max_tokens = int(min(tok_cfg.get("model_max_length", 10**9), bert_cfg.get("max_position_embeddings", 512)))
        self.dim = int(pooling.get("embedding_dimension") or bert_cfg["hidden_size"])


def load_tokenizer(model_dir: Path):
    """The directory's fast tokenizer, without padding or truncation (callers do both)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def truncate(ids: list[int], max_tokens: int) -> list[int]:
    """Cut the content, keep the closing special token: what tokenizers' truncation does."""
    return ids if len(ids) <= max_tokens else ids[: max_tokens - 1] + ids[-1:]


class OnnxBackend:
    """onnxruntime session computing ``last_hidden_state``; pooling + normalisation here, as ST does."""

    #: padded tokens per run: caps the attention scores of a batch of long texts (batch x 12 heads
    #: x length^2 floats) at ~200 MB instead of ~400 MB for 32 x 512 tokens
    MAX_BATCH_TOKENS = 1024

    def __init__(self, onnx_path: Path, settings: DirectorySettings, tokenizer, threads: int, batch_size: int = 32,
                 profile_prefix: str | None = None) -> None:
        import onnxruntime as ort

        self.settings = settings
        self.batch_size = batch_size
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

    def encode(self, texts: Sequence[str], document: bool, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.settings.dim), dtype=np.float32)
        if not texts:
            return out
        prompt = self.settings.document_prompt if document else self.settings.query_prompt
        max_tokens = self.settings.max_tokens
        rows = [truncate(e.ids, max_tokens) for e in self.tokenizer.encode_batch([prompt + t for t in texts])]
        for batch in maybe_tqdm(self._batches(rows, self.batch_size), progress, "embedding"):
            ids, mask = self._pad([rows[i] for i in batch])
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            weights = mask[..., None].astype(np.float32)
            out[batch] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return normalize_rows(out) if self.settings.normalize else out

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


def onnx_backend(model_dir: Path, threads: int, onnx_path: Path | None = None, batch_size: int = 32,
                 profile_prefix: str | None = None) -> OnnxBackend:
    """The session the Encoder uses, alone (default: the shipped int8 file), with the model
    directory's tokenizer and pooling: for the build's checks and the encoder benchmarks."""
    model_dir = Path(model_dir)
    return OnnxBackend(onnx_path or model_dir / ONNX_INT8, DirectorySettings(model_dir),
                       load_tokenizer(model_dir), threads, batch_size, profile_prefix)


class TorchBackend:
    """The sentence-transformers model itself."""

    def __init__(self, model_dir: Path, threads: int, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        # transformers sets truncation on the shared Rust tokenizer at every call, so counting
        # (no truncation) and encoding (truncation) must not interleave between threads
        self._lock = threading.Lock()
        # OMP_WAIT_POLICY (read when torch is first imported) is set where the process starts:
        # config.apply_process_settings
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

    def encode(self, texts: Sequence[str], document: bool, progress: bool = False) -> np.ndarray:
        fn = self.model.encode_document if document else self.model.encode_query
        with self._lock:
            vecs = fn(list(texts), batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=progress)
        return normalize_rows(np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1))

    def count(self, texts: list[str]) -> list[int]:
        # the model's own tokenizer: a second copy of this vocabulary would cost ~280 MB
        with self._lock:
            ids = self.model.tokenizer(texts, add_special_tokens=True, truncation=False, padding=False,
                                     verbose=False)["input_ids"]
        return [len(x) for x in ids]


def maybe_tqdm(items, progress: bool, desc: str):
    if not progress:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="batch")
