"""Reading the cases: what a question's status is, where its answer came from, which letters
belong with a document, and which questions a griffie still has to watch.

A question of a later letter (an answer letter repeating or numbering the questions, a
postponement notice repeating them) that was attached to an original question is shown
as that original question: one question, its answer, both letters linked.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .deadlines import Postponement, Status, question_status

if TYPE_CHECKING:
    from .search import Filters
    from .store import Store


def _ids(ids: Iterable[int]) -> str:
    return json.dumps(sorted(set(ids)))


class Register:
    """A read view over the store's cases, for one request (``today`` fixed once)."""

    def __init__(self, store: Store, term_days: int, today: dt.date | None = None):
        self.store = store
        self.term_days = term_days
        self.today = today or dt.date.today()

    def originals(self, question_ids: Iterable[int]) -> dict[int, int]:
        """Each attached question's original question (the first, for a combined answer)."""
        rows = self.store.conn.execute(
            "SELECT question_id, min(original_id) FROM question_links WHERE question_id IN "
            "(SELECT value FROM json_each(?)) GROUP BY question_id", (_ids(question_ids),))
        return dict(rows.fetchall())

    def questions(self, question_ids: Iterable[int]) -> dict[int, dict]:
        """Per question: ``answer`` (its own or from a later letter), ``status``, ``answered``,
        ``answer_document`` and ``due``."""
        ids = _ids(question_ids)
        conn = self.store.conn
        rows = conn.execute(
            # an answer letter's own answers date from the letter (its "Datum:"), a combined record's from its answer date
            "SELECT q.id, q.document_id, q.answer, d.submitted, CASE WHEN l.kind = 'answer' "
            "THEN coalesce(d.answered, d.submitted) ELSE d.answered END AS answered FROM questions q "
            "JOIN documents d ON d.id = q.document_id LEFT JOIN letters l ON l.document_id = d.id "
            "WHERE q.id IN (SELECT value FROM json_each(?))", (ids,))
        later: dict[int, list] = defaultdict(list)
        for r in conn.execute(
                "SELECT l.original_id, q.answer, d.id, d.title, coalesce(d.answered, d.submitted) AS day "
                "FROM question_links l JOIN questions q ON q.id = l.question_id JOIN documents d ON d.id = q.document_id "
                "WHERE q.answer IS NOT NULL AND l.original_id IN (SELECT value FROM json_each(?)) "
                "ORDER BY day, d.id", (ids,)):
            later[r[0]].append(r)
        rows = rows.fetchall()
        postponed = self._postponements(r["document_id"] for r in rows)
        return {r["id"]: self._question(r, later.get(r["id"], []), postponed.get(r["document_id"], []))
                for r in rows}

    def _question(self, row, later: list, postponements: list[Postponement]) -> dict:
        answer, answered_on, document = row["answer"], row["answered"], None
        if answer is None and later:
            answer = "\n\n".join(r["answer"] for r in later)
            answered_on, document = later[-1]["day"], {"id": later[-1]["id"], "title": later[-1]["title"]}
        status: Status = question_status(row["submitted"], answer is not None, answered_on, postponements,
                                         self.term_days, self.today)
        return {"answer": answer, "status": status.status, "answered": status.answered,
                "answer_document": document, "due": status.due}

    def _postponements(self, doc_ids: Iterable[int]) -> dict[int, list[Postponement]]:
        found: dict[int, list[Postponement]] = defaultdict(list)
        for r in self.store.conn.execute(
                "SELECT m.document_id, coalesce(d.submitted, d.answered), json_extract(l.info, '$.promised') "
                "FROM case_members m JOIN case_members p ON p.case_id = m.case_id "
                "JOIN letters l ON l.document_id = p.document_id AND l.kind = 'postponement' "
                "JOIN documents d ON d.id = p.document_id "
                "WHERE m.document_id IN (SELECT value FROM json_each(?))", (_ids(doc_ids),)):
            found[r[0]].append(Postponement(r[1], r[2]))
        return found

    def document(self, doc_id: int) -> dict:
        return self.documents([doc_id])[doc_id]

    def documents(self, doc_ids: Iterable[int]) -> dict[int, dict]:
        """Per document ``kind`` and ``related``: the other letters of its case, oldest first."""
        ids = _ids(doc_ids)
        conn = self.store.conn
        kinds = dict(conn.execute("SELECT document_id, kind FROM letters WHERE document_id IN "
                                  "(SELECT value FROM json_each(?))", (ids,)).fetchall())
        found = {doc_id: {"kind": kinds.get(doc_id, "other"), "related": []} for doc_id in json.loads(ids)}
        for r in conn.execute(
                "SELECT m.document_id AS of, d.id, d.title, l.kind, coalesce(d.submitted, d.answered) AS date "
                "FROM case_members m JOIN case_members o ON o.case_id = m.case_id AND o.document_id != m.document_id "
                "JOIN documents d ON d.id = o.document_id JOIN letters l ON l.document_id = d.id "
                "WHERE m.document_id IN (SELECT value FROM json_each(?)) ORDER BY date, d.id", (ids,)):
            found[r["of"]]["related"].append({name: r[name] for name in ("id", "title", "kind", "date")})
        return found

    def pending(self, statuses: Iterable[str], filters: Filters) -> list[tuple[int, int, dict]]:
        """(question id, document id, fields) of the original questions with one of ``statuses``
        whose document passes ``filters``, oldest due date first (undated last)."""
        from .store import document_filter

        clauses, params = document_filter(filters)
        where = " AND ".join(["q.id NOT IN (SELECT question_id FROM question_links)", *clauses])
        rows = self.store.conn.execute(
            f"SELECT q.id, q.document_id FROM questions q JOIN documents d ON d.id = q.document_id WHERE {where}",
            params).fetchall()
        fields = self.questions(r[0] for r in rows)
        wanted = set(statuses)
        found = [(qid, doc_id, fields[qid]) for qid, doc_id in rows if fields[qid]["status"] in wanted]
        return sorted(found, key=lambda item: (item[2]["due"] is None, item[2]["due"] or "", item[0]))

    def unmatched_answer_letters(self) -> list[dict]:
        """Answer letters in no case with a question letter: kept self-contained, listed to check."""
        rows = self.store.conn.execute(
            "SELECT d.id, d.title, coalesce(d.answered, d.submitted) AS date FROM letters l "
            "JOIN documents d ON d.id = l.document_id JOIN case_members m ON m.document_id = d.id "
            "WHERE l.kind = 'answer' AND NOT EXISTS (SELECT 1 FROM case_members o JOIN letters ol "
            "ON ol.document_id = o.document_id WHERE o.case_id = m.case_id AND ol.kind = 'question') "
            "ORDER BY date, d.id").fetchall()
        return [dict(r) for r in rows]
