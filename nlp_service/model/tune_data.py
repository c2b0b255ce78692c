"""Training data for tuning the encoder: the store's own question -> answer pairs (and question ->
its letter's intro), with one hard negative per pair mined by BM25 from other letters.

Only letters submitted before the cut-off date are read, so an evaluation on questions
submitted on or after it measures text the model never saw. A negative is never taken from the
query's own letter, nor from a letter with the same title (the Belgian register files the same
question by several members under one title: such a letter is a precedent, not a negative).
"""
from __future__ import annotations

import random
import sqlite3
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import InvalidRequest
from ..index.lexical import LexicalIndex

#: BM25 hits looked at per query; the negative is drawn from the first NEGATIVE_CHOICES survivors
#: (not always the very top one: the top hit of another letter is a precedent more often than not)
BM25_DEPTH = 30
NEGATIVE_CHOICES = 3


class TuneError(InvalidRequest):
    """Tuning cannot run as asked (no store, too few pairs, a bad date...)."""


@dataclass(frozen=True)
class Pair:
    anchor: str  # a question, as a griffie member would type or paste it
    positive: str  # its answer's first passage, or its letter's intro
    negative: str  # a passage of another letter that BM25 ranks high for the question
    document_id: int
    kind: str  # "answer" or "intro"


@dataclass(frozen=True)
class _Candidate:
    anchor: str
    positive: str
    document_id: int
    title: str
    kind: str


def _candidates(store_path: Path, cutoff: str) -> list[_Candidate]:
    """Question -> answer (first passage) and question -> intro, for letters submitted before ``cutoff``."""
    conn = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        answers = conn.execute(
            "SELECT q.text, u.text, d.id, d.title, 'answer' FROM questions q JOIN documents d ON d.id = q.document_id"
            " JOIN units u ON u.question_id = q.id AND u.kind = 'answer' AND u.part = 0"
            " WHERE d.submitted < ? AND trim(q.text) != '' ORDER BY q.id", (cutoff,)).fetchall()
        intros = conn.execute(
            "SELECT q.text, u.text, d.id, d.title, 'intro' FROM questions q JOIN documents d ON d.id = q.document_id"
            " JOIN units u ON u.document_id = d.id AND u.kind = 'intro'"
            " WHERE d.submitted < ? AND trim(q.text) != '' AND length(trim(d.intro)) > 0 ORDER BY q.id",
            (cutoff,)).fetchall()
    finally:
        conn.close()
    return [_Candidate(a.strip(), p.strip(), d, (t or "").strip().lower(), k) for a, p, d, t, k in answers + intros
            if p.strip()]


def _mine_negatives(candidates: list[_Candidate], pool: list[_Candidate], rng: random.Random) -> list[Pair]:
    """One BM25-hard negative per pair, over the passages of every pair in ``pool``."""
    passages = sorted({(c.positive, c.document_id, c.title) for c in pool})
    with tempfile.TemporaryDirectory(prefix="tune-bm25-") as tmp:
        index = LexicalIndex.build(Path(tmp) / "bm25.sqlite", ((i, p[0]) for i, p in enumerate(passages)))
        conn = index.connect()
        try:
            pairs = []
            for c in candidates:
                hits = [passages[i] for i, _ in index.search(conn, c.anchor, BM25_DEPTH)]
                kept = [p for p in hits if p[1] != c.document_id and (not c.title or p[2] != c.title)]
                if not kept:  # nothing lexical in common: any other letter's passage
                    kept = [p for p in rng.sample(passages, min(len(passages), 20)) if p[1] != c.document_id]
                if kept:
                    negative = rng.choice(kept[:NEGATIVE_CHOICES])[0]
                    pairs.append(Pair(c.anchor, c.positive, negative, c.document_id, c.kind))
        finally:
            conn.close()
    return pairs


def training_pairs(store_path: Path, cutoff: str, max_pairs: int | None, seed: int) -> tuple[list[Pair], dict]:
    """The pairs to train on (at most ``max_pairs``, drawn with ``seed``) and their counts."""
    if not Path(store_path).is_file():
        raise TuneError(f"no store at {store_path}: ingest documents first (or give --home)")
    candidates = _candidates(Path(store_path), cutoff)
    rng = random.Random(seed)
    pool, available = candidates, len(candidates)
    if max_pairs is not None and available > max_pairs:
        candidates = sorted(rng.sample(candidates, max_pairs), key=lambda c: (c.document_id, c.kind, c.anchor))
    pairs = _mine_negatives(candidates, pool, rng)
    counts = {
        "cutoff": cutoff,
        "pairs_available": available,
        "pairs": len(pairs),
        "answer_pairs": sum(p.kind == "answer" for p in pairs),
        "intro_pairs": sum(p.kind == "intro" for p in pairs),
        "letters": len({p.document_id for p in pairs}),
    }
    return pairs, counts


def pairs_to_rows(pairs: list[Pair]) -> list[dict]:
    return [asdict(p) for p in pairs]


def pairs_from_rows(rows: list[dict]) -> list[Pair]:
    return [Pair(**row) for row in rows]
