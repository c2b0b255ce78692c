"""Typed records that flow down the chain: parse -> store -> index -> search."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


@dataclass
class Question:
    """One numbered question and the answer linked to it (``None`` when unanswered)."""

    number: str
    text: str
    answer: str | None = None

    def to_dict(self) -> dict:
        return {"number": self.number, "text": self.text, "answer": self.answer}


@dataclass
class Document:
    """One council document: metadata, intro, and its questions with their answers.

    ``source`` is the collection the document belongs to (``leiden``,
    ``dekamer-2017``, ...); ``external_id`` identifies it within that collection.
    Text that fits no question or answer is kept in ``intro`` or ``other``:
    nothing read is dropped.
    """

    source: str
    external_id: str
    title: str = ""
    submitted: str | None = None  # ISO date YYYY-MM-DD
    answered: str | None = None
    authors: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    intro: str = ""
    questions: list[Question] = field(default_factory=list)
    other: str = ""
    path: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON shape of ``nlp-service parse --json``."""
        return {
            "source": self.source,
            "external_id": self.external_id,
            "title": self.title,
            "submitted": self.submitted,
            "answered": self.answered,
            "authors": list(self.authors),
            "parties": list(self.parties),
            "intro": self.intro,
            "questions": [q.to_dict() for q in self.questions],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Document":
        questions = [Question(**q) for q in data.get("questions", [])]
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "questions"}
        return cls(questions=questions, **fields)

    def full_record(self) -> dict:
        return asdict(self)


#: the stored fields that make a document's identity: a change in any of them is a new version.
#: Not ``path`` (the same letter read from another folder is the same letter) nor ``warnings``.
IDENTITY_FIELDS = ("source", "external_id", "title", "submitted", "answered", "authors", "parties", "intro", "other")
QUESTION_FIELDS = ("number", "text", "answer")
#: identity fields left out while empty: they joined the identity after stores were written
#: without them, so a document with nothing in them hashes as before and is not seen as changed
OPTIONAL_IDENTITY_FIELDS = ("other",)


def document_hash(document: Document) -> str:
    """Identity of a document's content: the same content is stored once.

    Over the explicit fields above, whatever any output format (``parse --json``) shows.
    """
    identity = {name: value for name in IDENTITY_FIELDS
                if (value := getattr(document, name)) or name not in OPTIONAL_IDENTITY_FIELDS}
    identity["questions"] = [{name: getattr(q, name) for name in QUESTION_FIELDS} for q in document.questions]
    payload = json.dumps(identity, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
