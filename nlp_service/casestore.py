"""The cases in the store: each document's letter kind and references, the case it belongs
to, which questions of later letters answer which original questions, and the operator's
corrections (``nlp-service cases link/unlink``).

Everything but the corrections is derived from the documents and recomputed by
:func:`rebuild` after every write and reindex (and by ``nlp-service migrate`` for a store
written before cases existed); the corrections are kept, so they survive both.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .cases import LetterRecord, Matching, QuestionRecord, match_cases
from .errors import InvalidRequest
from .parsing.letters import Letter, describe_letter

if TYPE_CHECKING:
    from .store import Store

#: schema version 2 of the store (``schema.MIGRATIONS``); no ";" inside a statement
CASES_SCHEMA = """
    CREATE TABLE letters (
        document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        content_hash TEXT NOT NULL,
        kind TEXT NOT NULL,
        info TEXT NOT NULL
    );
    CREATE TABLE case_members (
        document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        case_id INTEGER NOT NULL
    );
    CREATE INDEX case_members_case ON case_members (case_id);
    CREATE TABLE question_links (
        question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
        original_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
        PRIMARY KEY (question_id, original_id)
    );
    CREATE INDEX question_links_original ON question_links (original_id);
    CREATE TABLE case_overrides (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        other_id INTEGER NOT NULL DEFAULT 0,
        action TEXT NOT NULL CHECK (action IN ('link', 'unlink')),
        PRIMARY KEY (document_id, other_id, action)
    );
"""
#: bumped when letter kinds or references come out differently: every letter is described again
LETTERS_RECIPE = "1"
#: how much of the intro the matcher reads for the askers' names (parsing.kinds reads as much)
HEAD_CHARS = 1500


class CaseError(InvalidRequest):
    """A link or unlink that names no stored document."""


def rebuild(store: Store) -> Matching:
    """Describe new or changed letters, match every case again and store the result."""
    _describe_letters(store)
    linked, detached = overrides(store)
    matching = match_cases(_records(store), linked, detached)
    with store.transaction() as conn:
        conn.execute("DELETE FROM case_members")
        conn.execute("DELETE FROM question_links")
        conn.executemany("INSERT INTO case_members (document_id, case_id) VALUES (?, ?)", matching.case_of.items())
        conn.executemany("INSERT OR IGNORE INTO question_links (question_id, original_id) VALUES (?, ?)",
                         matching.links)
    return matching


def _describe_letters(store: Store) -> None:
    everything = store.get_meta("letters_recipe") != LETTERS_RECIPE
    stale = [row[0] for row in store.conn.execute(
        "SELECT d.id FROM documents d LEFT JOIN letters l ON l.document_id = d.id "
        "WHERE ? OR l.content_hash IS NOT d.content_hash", (everything,))]
    rows = []
    for doc_id in stale:
        stored = store.get_document(doc_id)
        if stored is not None:
            letter = describe_letter(stored.document)
            rows.append((doc_id, letter.kind, json.dumps(letter.to_dict(), ensure_ascii=False)))
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO letters (document_id, content_hash, kind, info) "
            "SELECT id, content_hash, ?2, ?3 FROM documents WHERE id = ?1 "
            "ON CONFLICT(document_id) DO UPDATE SET content_hash = excluded.content_hash, kind = excluded.kind, "
            "info = excluded.info", rows)
    store.set_meta("letters_recipe", LETTERS_RECIPE)


def _records(store: Store) -> list[LetterRecord]:
    rows = store.conn.execute(
        "SELECT d.id, d.source, d.external_id, d.title, d.submitted, d.answered, d.authors, d.parties, "
        "substr(d.intro, 1, ?) AS head, l.info FROM documents d JOIN letters l ON l.document_id = d.id",
        (HEAD_CHARS,)).fetchall()
    letters = {r["id"]: Letter.from_dict(json.loads(r["info"])) for r in rows}
    # the questions of letters that can take part in a case (not the many self-contained records)
    wanted = [i for i, letter in letters.items()
              if letter.kind not in ("combined", "other") or letter.references.numbers]
    questions: dict[int, list[QuestionRecord]] = {}
    for q in store.conn.execute("SELECT id, document_id, number, text FROM questions WHERE document_id IN "
                                "(SELECT value FROM json_each(?)) ORDER BY position", (json.dumps(wanted),)):
        questions.setdefault(q["document_id"], []).append(QuestionRecord(q["id"], q["number"], q["text"]))
    return [LetterRecord(
        id=r["id"], key=(r["source"], r["external_id"]), letter=letters[r["id"]],
        date=letter_date(letters[r["id"]].kind, r["submitted"], r["answered"]), title=r["title"],
        authors=tuple(json.loads(r["authors"])), parties=tuple(json.loads(r["parties"])),
        head=f"{r['title']}\n{r['head']}", questions=tuple(questions.get(r["id"], ())),
    ) for r in rows]


def letter_date(kind: str, submitted: str | None, answered: str | None) -> str | None:
    """A letter's own date: an answer or notice is dated when it was sent, a question when submitted."""
    return (answered or submitted) if kind in ("answer", "postponement") else (submitted or answered)


# --- the operator's corrections ---------------------------------------------------


def overrides(store: Store) -> tuple[list[tuple[int, int]], set[int]]:
    rows = store.conn.execute("SELECT document_id, other_id, action FROM case_overrides").fetchall()
    linked = [(r["document_id"], r["other_id"]) for r in rows if r["action"] == "link"]
    return linked, {r["document_id"] for r in rows if r["action"] == "unlink"}


def _require_documents(store: Store, *doc_ids: int) -> None:
    found = store.get_documents(doc_ids)
    missing = [str(i) for i in doc_ids if i not in found]
    if missing:
        raise CaseError(f"no document with id {', '.join(missing)}")


def link(store: Store, doc_id: int, other_id: int) -> Matching:
    """Put ``doc_id`` in the case of ``other_id``, whatever the rules say."""
    if doc_id == other_id:
        raise CaseError("a document cannot be linked to itself")
    _require_documents(store, doc_id, other_id)
    with store.transaction() as conn:
        conn.execute("DELETE FROM case_overrides WHERE document_id = ? AND action = 'unlink'", (doc_id,))
        conn.execute("INSERT OR IGNORE INTO case_overrides (document_id, other_id, action) VALUES (?, ?, 'link')",
                     (doc_id, other_id))
    return rebuild(store)


def unlink(store: Store, doc_id: int) -> Matching:
    """Take ``doc_id`` out of its case: the rules no longer place it, nor do earlier links."""
    _require_documents(store, doc_id)
    with store.transaction() as conn:
        conn.execute("DELETE FROM case_overrides WHERE (document_id = ?1 OR other_id = ?1) AND action = 'link'",
                     (doc_id,))
        conn.execute("INSERT OR IGNORE INTO case_overrides (document_id, other_id, action) VALUES (?, 0, 'unlink')",
                     (doc_id,))
    return rebuild(store)
