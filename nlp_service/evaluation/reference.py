"""The per-letter reference baseline of issue #18, rebuilt inside the evaluation.

Outside the project, a plain baseline scored better than the service on precedent
search: one entry per letter (its title and question text, no answers), BM25 over
it, multilingual-e5-small over the same text, and reciprocal rank fusion with
equal weights (k = 60). This module builds exactly that over the evaluation
home's own letters (the text comes from the store, so both runs see the same
parse) and scores it on the precedent tasks and the judged task, beside the
service's modes: a reference run, not a product path.

The lexical side uses the service's analyzer (``nlp.index_terms``) over an
in-memory FTS5 table; the dense side the same encoder, its letter vectors kept in
the embedding cache (a second run embeds nothing), its query vectors those the
evaluation already encoded.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .. import nlp
from ..embedding import EmbeddingCache, Encoder, encode_documents_cached
from ..index.fusion import reciprocal_rank_fusion
from ..index.lexical import query_expression
from ..store import Store, StoredDocument
from ..units import letter_text
from .datasets import Query, Task
from .metrics import mean, mean_interval, paired_difference
from .scoring import per_query

RRF_K = 60
MODES = ("lexical", "dense", "hybrid")

Key = Callable[[StoredDocument], str | None]


@dataclass(frozen=True)
class Letters:
    """Every letter of the home: its text (title + intro + questions), source and date."""

    ids: list[int]
    texts: list[str]
    sources: list[str]
    dates: list[str]
    stored: list[StoredDocument]


def load_letters(store: Store) -> Letters:
    ids, texts, sources, dates, stored = [], [], [], [], []
    for document in store.iter_documents():
        letter = document.document
        text = letter_text(letter)
        if not text.strip():
            continue
        ids.append(document.id)
        texts.append(text)
        sources.append(letter.source)
        dates.append(letter.submitted or "")
        stored.append(document)
    return Letters(ids, texts, sources, dates, stored)


class ReferenceRetriever:
    """BM25 and e5 over one entry per letter, fused with plain RRF."""

    def __init__(self, letters: Letters, encoder: Encoder, cache: EmbeddingCache):
        self.letters = letters
        self.encoder = encoder
        self.vectors = encode_documents_cached(encoder, cache, letters.texts)
        self.conn = sqlite3.connect(":memory:", check_same_thread=False)
        self.conn.execute("CREATE VIRTUAL TABLE entries USING fts5(terms)")
        self.conn.executemany("INSERT INTO entries (rowid, terms) VALUES (?, ?)",
                              ((i, " ".join(nlp.index_terms(t))) for i, t in enumerate(letters.texts)))

    def allowed(self, query: Query) -> np.ndarray:
        """The letters the query's filters let through (source and date; unit kinds do not apply)."""
        f = query.filters
        keep = np.ones(len(self.letters.ids), dtype=bool)
        for i, (source, date) in enumerate(zip(self.letters.sources, self.letters.dates)):
            if (f.source and source != f.source) or (f.until and date > f.until) or (f.since and date < f.since):
                keep[i] = False
        return keep

    def rankings(self, query: Query, depth: int) -> dict[str, list[int]]:
        """Letter positions, best first, per mode."""
        keep = self.allowed(query)
        lexical = []
        expression = query_expression(query.text)
        if expression is not None:
            rows = self.conn.execute("SELECT rowid FROM entries WHERE entries MATCH ? ORDER BY bm25(entries)",
                                     (expression,))
            lexical = [i for (i,) in rows if keep[i]][:depth]
        scores = self.vectors @ self.encoder.encode_queries([query.text])[0]
        scores[~keep] = -np.inf
        dense = [int(i) for i in np.argsort(-scores)[:depth] if keep[i]]
        fused = [i for i, _ in reciprocal_rank_fusion({"lexical": lexical, "dense": dense},
                                                      {"lexical": 1.0, "dense": 1.0}, k=RRF_K)][:depth]
        return {"lexical": lexical, "dense": dense, "hybrid": fused}


def evaluate(reference: ReferenceRetriever, task: Task, key: Key, service_runs: dict[str, Sequence[Sequence[str]]],
             depth: int) -> dict:
    """The reference's three modes on ``task``, and each service mode minus the same reference mode."""
    keys = [key(s) for s in reference.letters.stored]
    runs: dict[str, list[list[str]]] = {mode: [] for mode in MODES}
    for query in task.queries:
        for mode, ranked in reference.rankings(query, depth).items():
            runs[mode].append([keys[i] for i in ranked if keys[i] is not None])
    out = {"results": {}, "service_minus_reference": {}}
    for mode in MODES:
        scores = per_query(task, runs[mode], task.primary)
        service = per_query(task, service_runs[mode], task.primary)
        difference, half = paired_difference(service, scores)
        out["results"][mode] = {task.primary: round(mean(scores), 4), "ci95": round(mean_interval(scores), 4)}
        out["service_minus_reference"][mode] = {"difference": round(difference, 4), "ci95": round(half, 4),
                                                "clear": abs(difference) > half}
    return out
