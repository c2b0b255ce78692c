"""The bundled demo corpus: which parts of the shared data the demo loads.

The demo loads the Leiden letter, all Tweede Kamer documents and the first
``BELGIAN_DEMO_RECORDS`` Belgian questions: the full Belgian set takes longer
than five minutes to embed on a 2-core machine (see README), and the first
records already span every ministry and party.
"""
from __future__ import annotations

import itertools
from pathlib import Path

from .fsutil import atomic_write_text

BELGIAN_DEMO_RECORDS = 1000
BELGIAN_EXPORT = Path("dekamer-2017") / "questions.jsonl"
WHOLE_PARTS = (Path("leiden"), Path("tweedekamer-2024") / "documents.csv")


def corpus_paths(data_dir: Path) -> list[Path]:
    """The shared corpus's council documents, whole (the FAQ export is evaluation data)."""
    parts = [Path(data_dir) / p for p in (*WHOLE_PARTS, BELGIAN_EXPORT)]
    missing = [str(p) for p in parts if not p.exists()]
    if missing:
        raise FileNotFoundError(f"shared data missing: {', '.join(missing)} (set NLP_SERVICE_DATA)")
    return parts


def demo_paths(data_dir: Path, workdir: Path, belgian_records: int = BELGIAN_DEMO_RECORDS) -> list[Path]:
    """Paths to ingest; the Belgian subset is written under ``workdir`` in a folder
    named like the original, so its documents keep the collection name ``dekamer-2017``."""
    *whole, belgian = corpus_paths(data_dir)
    subset = Path(workdir) / "demo" / BELGIAN_EXPORT
    with open(belgian, encoding="utf-8") as src:
        atomic_write_text(subset, "".join(itertools.islice(src, belgian_records)))
    return [*whole, subset]
