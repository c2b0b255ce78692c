"""A model folder: the files it holds, its prompts, and what is wrong when it is not usable.

The one list of the files a built folder holds (:data:`MODEL_FILES`), read by the build
(is it done?) and by the encoder (can it load?).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ServiceError, Unavailable

QUERY_PROMPT, PASSAGE_PROMPT = "query: ", "passage: "
ONNX_INT8 = "onnx/model_int8.onnx"
REPORT = "build_report.json"
BUILD_HINT = "run `nlp-service model build` first"
#: files without which the folder is not a usable sentence-transformers model
MODEL_FILES = (
    "modules.json",
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)


class ModelBuildError(ServiceError):
    """The model cannot be built; the message says why and what to do."""


class ModelNotFoundError(Unavailable, FileNotFoundError):
    """The model directory is missing or incomplete."""


def missing_files(model_dir: Path) -> list[str]:
    return [name for name in MODEL_FILES if not (Path(model_dir) / name).is_file()]


def is_built(model_dir: Path) -> bool:
    """True when ``model_dir`` holds a complete sentence-transformers model."""
    return not missing_files(model_dir)


def require_model_dir(model_dir: Path) -> None:
    missing = missing_files(model_dir)
    if missing:
        what = "does not exist" if not Path(model_dir).exists() else f"is incomplete (missing {', '.join(missing)})"
        raise ModelNotFoundError(f"embedding model directory {model_dir} {what}; {BUILD_HINT}")
