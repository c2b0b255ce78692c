"""How well the parser finds questions and links answers to them.

Two references: the Tweede Kamer ``index.tsv`` (per document its kind and the
number of ``Vraag N`` / ``Antwoord N`` headers, a count a regular expression
can make, so an upper bound on what linking must reach), and the hand-labelled
Belgian gold sample at ``tests/data/dekamer_gold.json`` (question numbers and
the answer each one should get).
"""
from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import parsing
from ..config import REPO_ROOT
from ..documents import Document
from .datasets import DEKAMER, load_belgian
from .metrics import mean

TK_SOURCE = "tweedekamer-2024"
TK_DOCUMENTS = Path(TK_SOURCE) / "documents.csv"
TK_INDEX = Path(TK_SOURCE) / "index.tsv"
GOLD_PATH = REPO_ROOT / "tests" / "data" / "dekamer_gold.json"
#: kinds in which no answer exists: any answer the parser links there is wrong
NO_ANSWER_KINDS = ("kv_questions_only", "uitstel")


@dataclass(frozen=True)
class Expected:
    name: str
    kind: str
    questions: int | None  # None: the headers give no count to check against
    answered: int | None


def read_tk_index(data_dir: Path) -> list[Expected]:
    with open(Path(data_dir) / TK_INDEX, encoding="utf-8", newline="") as fh:
        return [_expected(row) for row in csv.DictReader(fh, delimiter="\t")]


def _expected(row: dict) -> Expected:
    n_vraag, n_antwoord = int(row["n_vraag"]), int(row["n_antwoord"])
    if n_antwoord:
        answered = n_antwoord
    else:
        answered = 0 if row["kind"] in NO_ANSWER_KINDS else None
    return Expected(row["name"], row["kind"], n_vraag or None, answered)


def parse_all(paths: Sequence[Path], source: str) -> tuple[dict[str, Document], list[str]]:
    """Documents by external id, and the errors of the ones that did not parse."""
    errors: list[str] = []
    documents = parsing.iter_documents(list(paths), source=source,
                                       on_error=lambda path, exc: errors.append(f"{path}: {exc}"))
    return {d.external_id: d for d in documents}, errors


def answered(document: Document) -> int:
    return sum(1 for q in document.questions if q.answer and q.answer.strip())


def _share(hits: Iterable[bool]) -> float | None:
    values = [1.0 if h else 0.0 for h in hits]
    return round(mean(values), 4) if values else None


def tk_figures(expected: Sequence[Expected], parsed: dict[str, Document]) -> dict:
    """Agreement with the header counts, overall and per kind of document."""
    def figures(rows: Sequence[Expected]) -> dict:
        with_q = [e for e in rows if e.questions is not None and e.name in parsed]
        with_a = [e for e in rows if e.answered is not None and e.name in parsed]
        linked = [e for e in with_a if e.answered]
        return {
            "documents": len(rows),
            "parsed": sum(e.name in parsed for e in rows),
            "question_count_exact": _share(len(parsed[e.name].questions) == e.questions for e in with_q),
            "answered_count_exact": _share(answered(parsed[e.name]) == e.answered for e in with_a),
            "answer_link_recall": (round(sum(min(answered(parsed[e.name]), e.answered) for e in linked)
                                         / sum(e.answered for e in linked), 4) if linked else None),
        }

    by_kind: dict[str, list[Expected]] = defaultdict(list)
    for e in expected:
        by_kind[e.kind].append(e)
    return {"overall": figures(expected), "by_kind": {k: figures(v) for k, v in sorted(by_kind.items())},
            "disagreements": disagreements(expected, parsed)}


def disagreements(expected: Sequence[Expected], parsed: dict[str, Document]) -> list[dict]:
    """Documents whose parse differs from the header counts, to be read by a person:
    the counts are only a regular expression's (``Vraag 2 en 3`` counts once)."""
    out = []
    for e in expected:
        document = parsed.get(e.name)
        if document is None:
            continue
        got_q, got_a = len(document.questions), answered(document)
        if (e.questions is not None and got_q != e.questions) or (e.answered is not None and got_a != e.answered):
            out.append({"name": e.name, "kind": e.kind, "vraag_headers": e.questions, "antwoord_headers": e.answered,
                        "parsed_questions": got_q, "parsed_answered": got_a})
    return out


def evaluate(data_dir: Path, gold_path: Path) -> dict:
    parsed, errors = parse_all([Path(data_dir) / TK_DOCUMENTS], TK_SOURCE)
    result = {"tweedekamer": tk_figures(read_tk_index(data_dir), parsed), "tweedekamer_errors": errors}
    result["gold"] = gold_figures(gold_path, data_dir) if gold_path.exists() else None
    return result


# -- the hand-labelled Belgian sample ------------------------------------------

_WHITESPACE = re.compile(r"\s+")
#: a leading answer marker the parser may keep: "3.", "3)", "3. en 4.", "1., 2. en 3.", "1 tot 5."
_LEADING_MARKER = re.compile(r"^(?:\d{1,3}[.)]?(?:,|en|tot|t/m|-|&)*)+")


def _squash(text: str) -> str:
    return _WHITESPACE.sub("", text)


def link_is_right(parsed_answer: str | None, answer_start: str | None) -> bool:
    """The gold gives how the linked answer begins (after its marker), or None for no answer."""
    if answer_start is None:
        return not (parsed_answer and parsed_answer.strip())
    if not parsed_answer:
        return False
    got, want = _squash(parsed_answer), _squash(answer_start)
    return got.startswith(want) or _LEADING_MARKER.sub("", got, count=1).startswith(want)


def gold_figures(gold_path: Path, data_dir: Path) -> dict:
    """Question numbering and answer links against the hand labels, overall and per category."""
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))["records"]
    lines = {r.doc_id: r.line for r in load_belgian(data_dir)}
    data = "".join(lines[g["doc_id"]] for g in gold).encode("utf-8")
    parsed = {d.external_id: d for d in parsing.parse_bytes(data, "questions.jsonl", DEKAMER)}
    numbering, links, by_category = [], [], defaultdict(list)
    for record in gold:
        document = parsed.get(record["doc_id"])
        answers = {q.number: q.answer for q in document.questions} if document else {}
        numbering.append([q["number"] for q in record["questions"]] == list(answers))
        for q in record["questions"]:
            right = q["number"] in answers and link_is_right(answers[q["number"]], q["answer_start"])
            links.append(right)
            by_category[record["category"]].append(right)
    return {"records": len(gold), "questions": len(links), "numbering_exact": _share(numbering),
            "link_accuracy": _share(links),
            "link_accuracy_by_category": {c: _share(v) for c, v in sorted(by_category.items())}}
