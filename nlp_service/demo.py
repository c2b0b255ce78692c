"""The bundled demo corpus: which parts of the shared data the demo loads."""
from __future__ import annotations

from pathlib import Path

DEMO_PARTS = (
    "leiden",
    "tweedekamer-2024/documents.csv",
    "dekamer-2017/questions.jsonl",
)


def demo_paths(data_dir: Path) -> list[Path]:
    paths = [Path(data_dir) / part for part in DEMO_PARTS]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"demo data missing: {', '.join(missing)} (set NLP_SERVICE_DATA)")
    return paths
