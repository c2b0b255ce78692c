"""``link_answers``: attach each answer block to the question(s) it answers.

Evidence, strongest first:

1. the numbers the answer names (``Antwoord 3``, ``Antwoord op vraag 3 en 4``,
   ``1., 2. en 3. ...``): a combined answer is linked to every question it names;
2. the question text repeated above the answer (Leiden layout), matched by
   word overlap, so small edits in the repetition do not matter;
3. the questions the layout places right before it (``Vraag 3`` ...
   ``Antwoord``), also when a numbered answer names a question the document
   does not hold (a numbering slip), with a warning;
4. its own opening sentence when that repeats a question;
5. otherwise it continues the previous answer (a second ``Antwoord:``
   paragraph). An answer with nothing to go on is returned as unlinked, never
   dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .layout import AnswerBlock, QuestionItem
from .similarity import ECHO_THRESHOLD, best_match


@dataclass
class Links:
    answers: list[str | None]  # one per question, aligned with the question list
    unlinked: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def link_answers(questions: list[QuestionItem], blocks: list[AnswerBlock]) -> Links:
    """Answers aligned with ``questions`` (``None`` = unanswered) plus what could not be placed."""
    links = Links(answers=[None] * len(questions))
    by_number = {n: i for i, q in enumerate(questions) for n in q.numbers}
    texts = [q.text for q in questions]
    previous: list[int] = []
    for block in blocks:
        targets = _targets(block, by_number, texts, links.warnings)
        if not (targets or block.numbers or block.echoes or block.pending):
            targets = previous  # a further "Antwoord:" paragraph continues the previous answer
        if not block.text.strip():
            previous = targets
            continue
        if not targets:
            links.unlinked.append(block.text)
            links.warnings.append("an answer could not be linked to a question: kept in 'other'")
            continue
        for index in targets:
            links.answers[index] = _join(links.answers[index], block.text)
        previous = targets
    return links


def _targets(block: AnswerBlock, by_number: dict[int, int], texts: list[str], warnings: list[str]) -> list[int]:
    if block.numbers:
        named = _unique(by_number[n] for n in block.numbers if n in by_number)
        if named or not block.pending:
            return named
        # "Antwoord 8" right after a question headed "Vraag 7": a numbering slip in the source
        warnings.append(f"answer {list(block.numbers)} names no question of the document: linked to the question above it")
    if block.echoes:
        return _unique(i for i, score in (best_match(echo, texts) for echo in block.echoes) if score >= ECHO_THRESHOLD)
    if block.pending:
        return _unique(by_number[n] for n in block.pending if n in by_number)
    opening = re.split(r"(?<=[?])\s", block.text.strip(), maxsplit=1)[0]
    index, score = best_match(opening, texts)
    return [index] if score >= ECHO_THRESHOLD and len(opening) < len(block.text) else []


def _unique(indexes) -> list[int]:
    return list(dict.fromkeys(indexes))


def _join(existing: str | None, text: str) -> str:
    return text if not existing else existing + "\n\n" + text
