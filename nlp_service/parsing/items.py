"""What the layout splitter finds: numbered questions, answer blocks, and the layout of one document."""
from __future__ import annotations

from dataclasses import dataclass, field

from .markers import number_label


@dataclass
class QuestionItem:
    numbers: tuple[int, ...]
    text: str
    style: str = "1"

    @property
    def label(self) -> str:
        return number_label(self.numbers, self.style)


@dataclass
class AnswerBlock:
    """One stretch of answer text and the evidence for the question(s) it answers."""

    text: str
    numbers: tuple[int, ...] = ()  # named by its own header or inline marker
    echoes: list[str] = field(default_factory=list)  # question text repeated just above it
    pending: tuple[int, ...] = ()  # questions it follows in the layout, when it names none


@dataclass
class Layout:
    intro: str = ""
    questions: list[QuestionItem] = field(default_factory=list)
    answers: list[AnswerBlock] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
