"""The one place that reads a document as a letter of a council register: its kind
(:mod:`.kinds`) and its references to the other letters of its case (:mod:`.references`).

Read from the stored document (title, intro, label lines kept in ``other``), so the store
can describe what it already holds (``nlp-service migrate``) exactly as a new upload.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from ..documents import Document
from . import kinds, references


@dataclass(frozen=True)
class Letter:
    kind: str
    references: references.References

    def to_dict(self) -> dict:
        return {"kind": self.kind, **asdict(self.references)}

    @classmethod
    def from_dict(cls, data: dict) -> "Letter":
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k != "kind"}
        return cls(data["kind"], references.References(**fields))


def head_text(document: Document) -> str:
    """Title, intro and what the parser left beside the questions (label lines, furniture)."""
    return "\n".join(part for part in (document.title, document.intro, document.other) if part)


def describe_letter(document: Document) -> Letter:
    head = head_text(document)
    has_answers = any(q.answer for q in document.questions)
    kind = kinds.letter_kind(head, bool(document.questions), has_answers)
    return Letter(kind, references.extract(head, postponement=kind == "postponement"))
