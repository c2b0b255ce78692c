"""The kind of a council letter: question, answer, postponement, combined or other.

Registers publish the question letter ("Schriftelijke vragen", "Raadsvragen"), the
college's answer letter ("Beantwoording schriftelijke vragen", "Antwoord op de vragen
van ...") and a postponement notice ("Uitstel beantwoording") as separate documents;
the shared corpora hold question and answer in one record (``combined``). Only the
letter's head is read: the words that say what a letter is stand above its body.
"""
from __future__ import annotations

import re

KINDS = ("question", "answer", "postponement", "combined", "other")
#: how much of a letter's head is read: the letterhead, the subject and the first paragraph
HEAD_CHARS = 1500
#: an answer letter says so in its letterhead or opening sentence; further down, "in antwoord op
#: uw vraag" is the answer's own text (a combined record's answer, as two Belgian records show)
ANSWER_HEAD_CHARS = 600

_POSTPONEMENT = re.compile(
    r"uitstel\s+(?:van\s+(?:de\s+)?)?beantwoording|uitstelbericht|niet\s+binnen\s+de\s+(?:\w+\s+){0,2}termijn"
    r"|Mededeling\s+van\s+(?:de\s+)?(?:minister|staatssecretaris|het\s+college|burgemeester)",
    re.IGNORECASE,
)
_ANSWER_HEADING = re.compile(
    r"^\W*(?:beantwoording\b|antwoord(?:en)?\s+(?:op|van|inzake)\b|antwoordbrief\b)"
    r"|\buw\s+(?:brief|vragen)\s+van\b|\bin\s+antwoord\s+op\s+uw\b|\bbeantwoorden\s+wij\s+uw\s+vragen\b",
    re.IGNORECASE | re.MULTILINE,
)
#: the question letter's own header: it was submitted by its authors (Tweede Kamer "(ingezonden ...)",
#: the register's "Indiendatum:" / "Door:" labels); an answer letter only cites that date
_QUESTION_HEADING = re.compile(
    r"^\W*(?:schriftelijke\s+vragen|raadsvragen|mondelinge\s+vragen|vragen\s+van\s+(?:het|de)\s+(?:lid|leden|fractie))"
    r"|\(ingezonden\b|\bartikel\s+4\d\b",
    re.IGNORECASE | re.MULTILINE,
)
_OWN_SUBMISSION = re.compile(r"\(ingezonden\b|^[ \t]*(?:indiendatum|datum indiening|door|indiener\w*)[ \t]*:",
                             re.IGNORECASE | re.MULTILINE)


def letter_kind(head: str, has_questions: bool, has_answers: bool) -> str:
    """One of :data:`KINDS` for a letter whose head (title, intro, labels) is ``head``."""
    head = head[:HEAD_CHARS]
    if _POSTPONEMENT.search(head) and not has_answers:
        return "postponement"
    if _ANSWER_HEADING.search(head[:ANSWER_HEAD_CHARS]) and not _OWN_SUBMISSION.search(head):
        return "answer"
    if has_answers:
        return "combined"
    return "question" if has_questions or _QUESTION_HEADING.search(head) else "other"
