"""Dutch dates to ISO ``YYYY-MM-DD``.

Accepted: ``3 februari 2020``, ``3 feb. 2020``, ``03-02-2020``, ``3/2/2020``,
``03.02.2020`` and ``2020-02-03``. PDF extraction sometimes glues the year to
the month (``18 november2024``), so the space there is optional.
"""
from __future__ import annotations

import re
from datetime import date

MONTHS = {
    "januari": 1, "jan": 1,
    "februari": 2, "feb": 2, "febr": 2,
    "maart": 3, "mrt": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "augustus": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}

MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH_NAMES = MONTH_NAMES
_WORDS = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_NAMES})\.?\s*(\d{{4}})\b", re.IGNORECASE)
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DMY = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b")

DATE_PATTERN = rf"(?:\d{{1,2}}\s+(?:{_MONTH_NAMES})\.?\s*\d{{4}}|\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{4}})"
"""A regular expression (no groups) matching any date :func:`parse_date` reads."""


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as ``YYYY-MM-DD``, or ``None`` when there is none."""
    found: list[tuple[int, str]] = []
    for match in _WORDS.finditer(text):
        day, month, year = match.groups()
        iso = _iso(int(year), MONTHS[month.lower()], int(day))
        if iso:
            found.append((match.start(), iso))
            break
    for match in _ISO.finditer(text):
        iso = _iso(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if iso:
            found.append((match.start(), iso))
            break
    for match in _DMY.finditer(text):
        iso = _iso(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        if iso:
            found.append((match.start(), iso))
            break
    return min(found)[1] if found else None
