"""SQLite store: documents, questions with their answers, search units and metadata.

The store is the source of truth; every index under ``generations/`` can be
rebuilt from it. Unit ids are the vector ids of the dense index and the rowids
of the lexical index. Ids are AUTOINCREMENT so a deleted id is never reused by
another text. Every multi-row change runs in one transaction (WAL mode).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Unavailable
from .schema import MIGRATIONS
from .units import Unit, UnitDraft

if TYPE_CHECKING:  # the search code owns Filters; the store only reads its fields
    from .search import Filters
from .documents import Document, Question, document_hash

#: 3: the whole-letter unit kind
SCHEMA_VERSION = len(MIGRATIONS)

class StoreError(Unavailable, RuntimeError):
    """The store cannot be opened or used as asked."""


@dataclass(frozen=True)
class StoredDocument:
    id: int
    document: Document
    added_at: float


@dataclass(frozen=True)
class StoredQuestion:
    id: int
    document_id: int
    position: int
    question: Question


def name_key(name: str | None) -> str:
    """A person's or party's name as filters compare it: SQLite's NOCASE and LIKE fold only
    ASCII, so "KRÖGER" would miss Kröger; Unicode case folding of the composed form does not."""
    return unicodedata.normalize("NFC", name or "").casefold()


def _like_literal(text: str) -> str:
    """``text`` matched literally by LIKE ... ESCAPE '\\' (its own % and _ are no wildcards)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def document_filter(filters: Filters) -> tuple[list[str], list]:
    """SQL conditions on documents ``d`` (and their parameters) for the filters' document fields."""
    clauses, params = [], []
    for column, op, value in (("submitted", ">=", filters.since), ("submitted", "<=", filters.until),
                              ("source", "=", filters.source)):
        if value:
            clauses.append(f"d.{column} {op} ?")
            params.append(value)
    if filters.party:
        clauses.append("d.id IN (SELECT document_id FROM document_people WHERE role = 'party' "
                       "AND name_key(name) = ?)")
        params.append(name_key(filters.party))
    if filters.author:
        # whole words of the name: "Kersten" and "maarten kersten" find Maarten Kersten, "Jan" not Jansen
        clauses.append("d.id IN (SELECT document_id FROM document_people WHERE role = 'author' "
                       "AND ' ' || name_key(name) || ' ' LIKE ? ESCAPE '\\')")
        params.append(f"% {_like_literal(name_key(' '.join(filters.author.split())))} %")
    return clauses, params


class Store:
    """One SQLite database file. Safe to share between threads (one connection each)."""

    def __init__(self, path: Path, *, create: bool = True, upgrade: bool = False):
        """Open (or create) a store; an older schema is migrated only when ``upgrade``."""
        self.path = Path(path)
        if not self.path.exists() and not create:
            raise StoreError(f"no store at {self.path}: run `nlp-service ingest` first")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # the home is a file, or not writable
            raise StoreError(f"cannot use {self.path.parent} as the index home ({exc.strerror})") from None
        self._local = threading.local()
        self.migrated: list[int] = []
        self._check_schema(upgrade)

    # -- connection and schema ---------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=FULL")
        conn.create_function("name_key", 1, name_key, deterministic=True)
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def _check_schema(self, upgrade: bool) -> None:
        try:
            version = self.schema_version()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a usable SQLite store ({exc})") from None
        if version == 0 and self._has_tables():
            # every store this program writes carries a version: this file is someone else's
            raise StoreError(
                f"{self.path} holds tables but no schema version: not a store of nlp-service; "
                "point NLP_SERVICE_HOME (or --home) at another folder"
            )
        if version == 0 or (upgrade and version < SCHEMA_VERSION):
            self.migrated = self.migrate()
        elif version < SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {version}, this program needs "
                f"{SCHEMA_VERSION}: run `nlp-service migrate`"
            )
        elif version > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {version}, newer than this program "
                f"({SCHEMA_VERSION}): upgrade nlp-service"
            )

    def _has_tables(self) -> bool:
        return self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0

    def migrate(self) -> list[int]:
        """Apply pending migrations, each in its own transaction; returns the versions reached."""
        applied = []
        for version in range(self.schema_version(), SCHEMA_VERSION):
            try:
                with self.transaction() as conn:  # SQLite's DDL is transactional: all or nothing
                    for statement in MIGRATIONS[version].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {version + 1}")
            except sqlite3.Error as exc:
                raise StoreError(f"migrating {self.path} to schema version {version + 1} failed ({exc}); "
                                 f"the store is unchanged at version {version}") from None
            applied.append(version + 1)
        return applied

    # -- metadata ----------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def revision(self) -> int:
        """Counts committed content changes; an index built from an older revision is stale."""
        return int(self.get_meta("revision", "0"))

    @staticmethod
    def _bump_revision(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('revision', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # -- writing -----------------------------------------------------------

    def find_document(self, source: str, external_id: str) -> tuple[int, str] | None:
        row = self.conn.execute(
            "SELECT id, content_hash FROM documents WHERE source = ? AND external_id = ?",
            (source, external_id),
        ).fetchone()
        return (row["id"], row["content_hash"]) if row else None

    def unchanged_document_id(self, document: Document) -> int | None:
        """The id of this document when the store already holds it with the same content."""
        existing = self.find_document(document.source, document.external_id)
        return existing[0] if existing and existing[1] == document_hash(document) else None

    def upsert_document(self, document: Document, units: Sequence[UnitDraft]) -> tuple[int, str]:
        """Store a document with its questions and units.

        Returns ``(id, status)`` with status ``added``, ``replaced`` or
        ``unchanged``. A replaced document keeps its id, and its questions keep theirs by
        position, so links to both stay valid when a letter comes back with its answers.
        """
        content_hash = document_hash(document)
        existing = self.find_document(document.source, document.external_id)
        if existing and existing[1] == content_hash:
            return existing[0], "unchanged"
        with self.transaction() as conn:
            if existing:
                doc_id = existing[0]
                conn.execute("DELETE FROM document_people WHERE document_id = ?", (doc_id,))
                conn.execute(
                    """UPDATE documents SET title=?, submitted=?, answered=?, authors=?, parties=?,
                       intro=?, other=?, path=?, content_hash=?, added_at=? WHERE id=?""",
                    (*self._document_columns(document), content_hash, time.time(), doc_id),
                )
            else:
                doc_id = conn.execute(
                    """INSERT INTO documents (title, submitted, answered, authors, parties, intro,
                       other, path, content_hash, added_at, source, external_id)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (*self._document_columns(document), content_hash, time.time(),
                     document.source, document.external_id),
                ).lastrowid
            self._insert_people(conn, doc_id, document)
            self._write_questions(conn, doc_id, document.questions, units)
            self._bump_revision(conn)
        return doc_id, "replaced" if existing else "added"

    @staticmethod
    def _document_columns(document: Document) -> tuple:
        return (
            document.title, document.submitted, document.answered,
            json.dumps(document.authors, ensure_ascii=False),
            json.dumps(document.parties, ensure_ascii=False),
            document.intro, document.other, document.path,
        )

    @staticmethod
    def _insert_people(conn: sqlite3.Connection, doc_id: int, document: Document) -> None:
        rows = [(doc_id, "author", a) for a in document.authors]
        rows += [(doc_id, "party", p) for p in document.parties]
        conn.executemany("INSERT INTO document_people (document_id, role, name) VALUES (?, ?, ?)", rows)

    @staticmethod
    def _write_questions(conn, doc_id: int, questions: Sequence[Question], units: Sequence[UnitDraft]) -> None:
        """The document's questions and units.

        A question at a position it had before keeps its id, and a unit whose text did not
        change keeps its id too: the index still serving (until the new one is swapped in)
        finds the document by those units meanwhile, instead of losing it.
        """
        kept = dict(conn.execute("SELECT position, id FROM questions WHERE document_id = ?", (doc_id,)).fetchall())
        conn.execute("DELETE FROM questions WHERE document_id = ? AND position >= ?", (doc_id, len(questions)))
        question_ids = []
        for position, q in enumerate(questions):
            if position in kept:
                conn.execute("UPDATE questions SET number = ?, text = ?, answer = ? WHERE id = ?",
                             (q.number, q.text, q.answer, kept[position]))
                question_ids.append(kept[position])
            else:
                question_ids.append(conn.execute(
                    "INSERT INTO questions (document_id, position, number, text, answer) VALUES (?, ?, ?, ?, ?)",
                    (doc_id, position, q.number, q.text, q.answer),
                ).lastrowid)
        Store._write_units(conn, doc_id, question_ids, units)

    @staticmethod
    def _write_units(conn, doc_id: int, question_ids: Sequence[int], units: Sequence[UnitDraft]) -> None:
        """The document's units; one with the same question, kind, part and text as before keeps its id."""
        old_units: dict[tuple, list[int]] = {}
        for unit_id, *key in conn.execute(
                "SELECT id, question_id, kind, part, text FROM units WHERE document_id = ?", (doc_id,)):
            old_units.setdefault(tuple(key), []).append(unit_id)
        kept_units, new_rows = [], []
        for u in units:
            key = (question_ids[u.question_position], u.kind, u.part, u.text)
            if old_units.get(key):
                kept_units.append(old_units[key].pop())
            else:
                new_rows.append((*key[:1], doc_id, *key[1:]))
        conn.execute("DELETE FROM units WHERE document_id = ? AND id NOT IN (SELECT value FROM json_each(?))",
                     (doc_id, json.dumps(kept_units)))
        conn.executemany(
            "INSERT INTO units (question_id, document_id, kind, part, text) VALUES (?, ?, ?, ?, ?)", new_rows)

    def replace_units(self, units_by_document: dict[int, Sequence[UnitDraft]]) -> None:
        """Re-split documents into units (after a model or unit-rule change), in one transaction;
        units that come out the same keep their ids, so the serving index keeps finding them."""
        with self.transaction() as conn:
            for doc_id, units in units_by_document.items():
                qids = [r[0] for r in conn.execute(
                    "SELECT id FROM questions WHERE document_id = ? ORDER BY position", (doc_id,))]
                self._write_units(conn, doc_id, qids, units)
            self._bump_revision(conn)

    def delete_document(self, doc_id: int) -> bool:
        with self.transaction() as conn:
            deleted = conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,)).rowcount > 0
            if deleted:
                self._bump_revision(conn)
        return deleted

    # -- reading -----------------------------------------------------------

    def _row_to_document(self, row: sqlite3.Row, questions: list[Question]) -> Document:
        return Document(
            source=row["source"], external_id=row["external_id"], title=row["title"],
            submitted=row["submitted"], answered=row["answered"],
            authors=json.loads(row["authors"]), parties=json.loads(row["parties"]),
            intro=row["intro"], questions=questions, other=row["other"], path=row["path"],
        )

    def get_document(self, doc_id: int) -> StoredDocument | None:
        row = self.conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        questions = [q.question for q in self.questions_of(doc_id)]
        return StoredDocument(doc_id, self._row_to_document(row, questions), row["added_at"])

    def get_documents(self, doc_ids: Iterable[int]) -> dict[int, StoredDocument]:
        """Documents by id without their questions (enough for result cards)."""
        ids = sorted(set(doc_ids))
        rows = self.conn.execute(
            "SELECT * FROM documents WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)
        ).fetchall()
        return {r["id"]: StoredDocument(r["id"], self._row_to_document(r, []), r["added_at"]) for r in rows}

    def questions_of(self, doc_id: int) -> list[StoredQuestion]:
        rows = self.conn.execute(
            "SELECT * FROM questions WHERE document_id = ? ORDER BY position", (doc_id,)
        ).fetchall()
        return [self._row_to_question(r) for r in rows]

    @staticmethod
    def _row_to_question(row: sqlite3.Row) -> StoredQuestion:
        return StoredQuestion(row["id"], row["document_id"], row["position"],
                              Question(row["number"], row["text"], row["answer"]))

    def get_questions(self, question_ids: Iterable[int]) -> dict[int, StoredQuestion]:
        rows = self.conn.execute(
            "SELECT * FROM questions WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(question_ids))),),
        ).fetchall()
        return {r["id"]: self._row_to_question(r) for r in rows}

    def get_units(self, unit_ids: Iterable[int]) -> dict[int, Unit]:
        rows = self.conn.execute(
            "SELECT * FROM units WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(unit_ids))),),
        ).fetchall()
        return {r["id"]: Unit(**dict(r)) for r in rows}

    def units_of_question(self, question_id: int) -> list[Unit]:
        rows = self.conn.execute(
            "SELECT * FROM units WHERE question_id = ? ORDER BY kind DESC, part", (question_id,)
        ).fetchall()
        return [Unit(**dict(r)) for r in rows]

    def iter_units(self, batch: int = 5000) -> Iterator[Unit]:
        last = 0
        while True:
            rows = self.conn.execute(
                "SELECT * FROM units WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            for r in rows:
                yield Unit(**dict(r))
            last = rows[-1]["id"]

    def iter_documents(self) -> Iterator[StoredDocument]:
        for (doc_id,) in self.conn.execute("SELECT id FROM documents ORDER BY id").fetchall():
            stored = self.get_document(doc_id)
            if stored is not None:
                yield stored

    def unit_ids_matching(self, filters: Filters) -> list[int]:
        """Ids of every unit whose document passes the filters."""
        clauses, params = document_filter(filters)
        if filters.kinds:
            clauses.append("u.kind IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(filters.kinds)))
        where = " AND ".join(clauses) or "1"
        # one JSON array instead of a Row per unit: half the time for tens of thousands of ids
        ids = self.conn.execute(
            f"SELECT json_group_array(u.id) FROM units u JOIN documents d ON d.id = u.document_id WHERE {where}",
            params,
        ).fetchone()[0]
        return json.loads(ids)

    # -- statistics --------------------------------------------------------

    def counts(self) -> dict[str, int]:
        one = lambda sql: self.conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "documents": one("SELECT count(*) FROM documents"),
            "questions": one("SELECT count(*) FROM questions"),
            "answered_questions": one("SELECT count(*) FROM questions WHERE answer IS NOT NULL"),
            "units": one("SELECT count(*) FROM units"),
        }

    def counts_by_collection_and_year(self) -> list[dict]:
        rows = self.conn.execute(
            """SELECT source, substr(submitted, 1, 4) AS year, count(*) AS documents
               FROM documents GROUP BY source, year ORDER BY source, year"""
        ).fetchall()
        return [dict(r) for r in rows]

    def collections(self) -> list[dict]:
        """Each collection with its document count and first and last year, for filters and coverage."""
        rows = self.conn.execute(
            """SELECT source, count(*) AS documents, min(substr(submitted, 1, 4)) AS first_year,
                      max(substr(submitted, 1, 4)) AS last_year
               FROM documents GROUP BY source ORDER BY source"""
        ).fetchall()
        return [dict(r) for r in rows]

    def facet(self, role: str, limit: int = 500) -> list[tuple[str, int]]:
        """Most frequent parties or authors, for filter menus."""
        rows = self.conn.execute(
            """SELECT name, count(*) AS n FROM document_people WHERE role = ?
               GROUP BY name ORDER BY n DESC, name LIMIT ?""",
            (role, limit),
        ).fetchall()
        return [(r["name"], r["n"]) for r in rows]
