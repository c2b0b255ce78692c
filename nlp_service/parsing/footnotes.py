"""Footnote bodies in text that lost its layout (PDF text extracted elsewhere, e.g. the Tweede Kamer export).

Without font sizes, a footnote body is told apart by its text: a line that
starts with the footnote number glued to the source (``3MIND, 13 november
2024, Alle verzekeraars ...``, ``2Kamerstukken II 2021–2022, 29 279, nr. 339``)
and cites something (a date or a year, a URL, a Kamerstuk number). The lines
that continue it are those that complete a citation: a URL, a line after one
ending in ``-`` or ``/``, a short tail (``2024``) of an unfinished one, or
the line that closes a ``«`` or ``(`` the note left open;
never a longer line of prose, which after a page break is the question or
answer text continuing under the footnotes. The bodies leave the text (they go
to ``other``); the marks that point at them (``«...»1?``) are dropped.
"""
from __future__ import annotations

import re

from .dates import DATE_PATTERN, MONTH_NAMES

_FIRST = re.compile(r"^[ \t]*(?P<number>\d{1,2})(?=[A-Z«\"“‘'(])(?P<body>\S[^\n]*)$")
_CITES = re.compile(rf"{DATE_PATTERN}|\b\d{{1,2}}\s+(?:{MONTH_NAMES})\b|\b(?:19|20)\d{{2}}\b|https?://|www\.|\bnr\.\s*\d|Kamerstuk", re.IGNORECASE)
_URL = re.compile(r"https?://|www\.|\.(?:nl|com|org|eu|int)/", re.IGNORECASE)
_STRUCTURE = re.compile(r"^[ \t]*(?:Vra(?:ag|gen)|Antwoord(?:en)?)\b|^[ \t]*\d{1,3}[.)][ \t]")


#: "1de Limburger, 15 november 2024": a source in lower case must be followed by ", <date>" ("1ste kwartaal" is not)
_LOWER_SOURCE = re.compile(rf"^[ \t]*(?P<number>\d{{1,2}})(?=[a-z])[^,\n]{{1,60}},\s*{DATE_PATTERN}", re.IGNORECASE)


def cites(line: str) -> bool:
    """Does ``line`` cite a source: a date or year, a URL, a Kamerstuk number?"""
    return bool(_CITES.search(line))


def is_footnote_start(line: str) -> bool:
    match = _FIRST.match(line)
    return bool(match and _CITES.search(match.group("body")) or _LOWER_SOURCE.match(line))


def split_footnotes(text: str) -> tuple[str, list[str]]:
    """``text`` without footnote bodies, and the bodies (one string each)."""
    lines = text.split("\n")
    kept: list[str] = []
    notes: list[str] = []
    numbers: list[str] = []
    current: list[str] | None = None
    for line in lines:
        if is_footnote_start(line):
            current = [line.strip()]
            notes.append("")
            numbers.append(re.match(r"[ \t]*(\d+)", line).group(1))
        elif current is not None and line.strip() and _continues(current, line):
            current.append(line.strip())
        else:
            current = None
            kept.append(line)
            continue
        notes[-1] = "\n".join(current)
    if not notes:
        return text, []
    return _drop_marks("\n".join(kept), numbers), notes


def _continues(note: list[str], line: str) -> bool:
    """A URL, the rest of a word or URL broken at ``-``/``/``, or a short tail ("2024") of an unfinished note.

    Not a longer line of prose: after a page break the question or answer
    text continues right under the footnotes, in lower case too.
    """
    if _STRUCTURE.match(line):
        return False
    last = note[-1].rstrip()
    unfinished = not last.endswith((".", ")", "»", "”", "'", "’"))
    joined = " ".join(note)
    closes = any(joined.count(a) > joined.count(b) and b in line for a, b in (("«", "»"), ("(", ")")))
    return bool(_URL.search(line) or last.endswith(("-", "/")) and len(line.split()) <= 3
                or unfinished and len(line.split()) <= 2 or closes)


def _drop_marks(text: str, numbers: list[str]) -> str:
    """The first mark ``N`` glued to a word or closing quote (``»1?``, ``besluit2,``) for each footnote N."""
    for number in dict.fromkeys(numbers):
        text = re.sub(rf"(?:(?<=[^\W\d_])|(?<=[»”’)?])|(?<=[^\W\d_]\.)){number}(?=[\s?.,;:)]|$)", "", text, count=1)
    return text
