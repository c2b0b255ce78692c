"""Lexical index: BM25 from SQLite FTS5 over lemmatised, stemmed Dutch terms.

The table is contentless: the text lives in the store, the index holds only
postings. Queries are built from our own analysed terms, each quoted, so FTS5
syntax in user input (``"``, ``*``, ``NEAR``, ``OR``) is never interpreted.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from .. import nlp

_SCHEMA = (
    "CREATE VIRTUAL TABLE postings USING fts5(terms, content='', "
    "tokenize=\"unicode61 remove_diacritics 0 tokenchars '.,/-'\")"
)
MAX_QUERY_TERMS = 64


def query_expression(text: str) -> str | None:
    """An FTS5 OR-expression of the query's distinct terms, or None when none remain."""
    terms = list(dict.fromkeys(nlp.index_terms(text)))[:MAX_QUERY_TERMS]
    if not terms:
        return None
    return " OR ".join(map(_quoted, terms))


def _quoted(term: str) -> str:
    """One analysed term as an FTS5 string: its characters are never read as query syntax."""
    return '"' + term.replace('"', '""') + '"'


class LexicalIndex:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._uri = f"file:{self.path}?mode=ro"

    @staticmethod
    def build(path: Path, units: Iterable[tuple[int, str]]) -> "LexicalIndex":
        """Write a new index file at ``path`` from (unit id, text) pairs."""
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute(_SCHEMA)
            conn.executemany(
                "INSERT INTO postings (rowid, terms) VALUES (?, ?)",
                ((uid, " ".join(nlp.index_terms(text))) for uid, text in units),
            )
            conn.execute("INSERT INTO postings (postings) VALUES ('optimize')")
            conn.commit()
        finally:
            conn.close()
        return LexicalIndex(path)

    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only=ON")
        return conn

    def search(self, conn: sqlite3.Connection, text: str, n: int,
               allowed_ids: list[int] | None = None) -> list[tuple[int, float]]:
        """Top ``n`` (unit id, BM25 score; higher is better)."""
        expression = query_expression(text)
        if expression is None or n <= 0 or (allowed_ids is not None and not allowed_ids):
            return []
        sql = "SELECT rowid, bm25(postings) FROM postings WHERE postings MATCH ?"
        params: list = [expression]
        if allowed_ids is not None:
            # "+rowid": without the unary plus SQLite hands the IN list to FTS5 as rowid lookups and
            # runs the MATCH once per allowed id (5.8 s instead of 26 ms for a pasted question
            # against 3,500 allowed units); with it, the MATCH runs once and the list filters its rows.
            sql += " AND +rowid IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(allowed_ids))
        sql += " ORDER BY bm25(postings) LIMIT ?"
        params.append(n)
        # FTS5's bm25() is negative: more negative is more relevant.
        return [(int(rowid), -float(score)) for rowid, score in conn.execute(sql, params)]

    def units_holding(self, conn: sqlite3.Connection, term: str, unit_ids: list[int]) -> set[int]:
        """Which of ``unit_ids`` hold the analysed ``term`` (for the relevance floor's word share)."""
        sql = "SELECT rowid FROM postings WHERE postings MATCH ? AND +rowid IN (SELECT value FROM json_each(?))"
        return {int(rowid) for (rowid,) in conn.execute(sql, (_quoted(term), json.dumps(unit_ids)))}

    def document_frequency(self, conn: sqlite3.Connection, term: str, within: list[int] | None = None) -> int:
        """How many units (of ``within``, None = all) hold the analysed ``term`` (its rarity, for the
        dossier's asked-before check)."""
        if within is None:
            return conn.execute("SELECT count(*) FROM postings WHERE postings MATCH ?", (_quoted(term),)).fetchone()[0]
        sql = "SELECT count(*) FROM postings WHERE postings MATCH ? AND +rowid IN (SELECT value FROM json_each(?))"
        return conn.execute(sql, (_quoted(term), json.dumps(within))).fetchone()[0]
