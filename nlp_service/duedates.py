"""Due dates named in Dutch: "voor de zomer", "in het eerste kwartaal van 2021", "voor 1 juli",
"eind 2024", "begin 2025", "dit najaar" -> the phrase and the last day it allows.

A phrase without a year is read relative to the letter's date (the answer's, else the
submission's): "voor 1 juli" in a letter of March means 1 July of that year, in a letter of
September 1 July of the next. Vague phrases ("binnenkort", "de komende periode") keep their text
and get no date.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {name: i for i, name in enumerate(
    ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
     "november", "december"], start=1)}
QUARTERS = {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "laatste": 4}
#: last month of each season as council letters use them; "voor de zomer" means before the
#: summer recess (July), so it is handled apart
SEASON_END = {"voorjaar": 5, "lente": 5, "zomer": 8, "najaar": 11, "herfst": 11}
_M = "|".join(MONTHS)
_YEAR = r"(?:van\s+)?(?P<year>20\d\d|19\d\d|dit jaar|volgend jaar|het jaar)"
_PATTERNS = [
    ("summer", rf"\b(?:voor|vóór)\s+(?:de\s+)?zomer(?:reces)?(?:\s+{_YEAR})?"),
    ("quarter", rf"\b(?:in|voor|vóór|uiterlijk in|in de loop van)\s+het\s+(?P<q>eerste|tweede|derde|vierde|laatste)\s+"
                rf"(?:kwartaal|trimester)(?:\s+{_YEAR})?"),
    ("day", rf"\b(?:voor|vóór|uiterlijk|op|per|tegen)\s+(?P<day>[0-3]?\d)\s+(?P<month>{_M})(?:\s+(?P<dyear>20\d\d))?"),
    ("edge", rf"\b(?P<edge>eind|einde|begin|medio|half)\s+(?:van\s+)?(?:(?P<emonth>{_M})(?:\s+(?P<eyear>20\d\d))?|{_YEAR})"),
    ("month", rf"\b(?:in|voor|vóór|in de loop van)\s+(?:de maand\s+)?(?P<month>{_M})(?:\s+(?P<myear>20\d\d))?"),
    ("season", r"\b(?:dit|deze|komend|komende|in het|in de|het)\s+(?P<season>voorjaar|lente|zomer|najaar|herfst)"
               r"(?:\s+(?:van\s+)?(?P<syear>20\d\d))?"),
    ("year", r"\b(?:later |nog )?(?:(?:in de loop van|in|voor|vóór|tegen)\s+(?:dit jaar|(?P<year>20\d\d))|dit jaar)\b"),
    ("vague", r"\b(?:heel |zeer )?(?:binnenkort|kortelings|weldra|spoedig|op korte termijn|zo snel mogelijk|"
              r"de komende (?:periode|maanden|weken|tijd))\b"),
]
_REGEXES = [(kind, re.compile(p, re.IGNORECASE)) for kind, p in _PATTERNS]


@dataclass(frozen=True)
class Due:
    text: str  # the phrase as written
    date: str | None  # ISO: the last day the phrase allows; None when it names no date
    kind: str  # which pattern: summer, quarter, day, edge, month, season, year, vague

    @property
    def vague(self) -> bool:
        return self.kind == "vague"


def _year(value: str | None, reference: dt.date | None) -> int | None:
    if value is None or value.lower() in ("dit jaar", "het jaar"):
        return reference.year if reference else None
    if value.lower() == "volgend jaar":
        return reference.year + 1 if reference else None
    return int(value)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _next(candidate, reference: dt.date | None, explicit_year: bool):
    """``candidate(year)`` in the letter's year, or the next when that has passed already."""
    if reference is None:
        return None
    date = candidate(reference.year)
    if not explicit_year and date < reference:
        date = candidate(reference.year + 1)
    return date


def _resolve(kind: str, m: re.Match, reference: dt.date | None) -> dt.date | None:
    g = m.groupdict()
    if kind == "summer":
        year = _year(g["year"], reference) if g["year"] else None
        return dt.date(year, 7, 1) if year else _next(lambda y: dt.date(y, 7, 1), reference, False)
    if kind == "quarter":
        month = 3 * QUARTERS[g["q"].lower()]
        if g["year"]:
            year = _year(g["year"], reference)
            return _month_end(year, month) if year else None
        return _next(lambda y: _month_end(y, month), reference, False)
    if kind == "day":
        day, month = int(g["day"]), MONTHS[g["month"].lower()]
        if not 1 <= day <= calendar.monthrange(2000, month)[1]:
            return None
        if g["dyear"]:
            return dt.date(int(g["dyear"]), month, min(day, calendar.monthrange(int(g["dyear"]), month)[1]))
        return _next(lambda y: dt.date(y, month, min(day, calendar.monthrange(y, month)[1])), reference, False)
    if kind == "edge":
        return _edge(g, reference)
    if kind == "month":
        month = MONTHS[g["month"].lower()]
        if g["myear"]:
            return _month_end(int(g["myear"]), month)
        return _next(lambda y: _month_end(y, month), reference, False)
    if kind == "season":
        month = SEASON_END[g["season"].lower()]
        if g["syear"]:
            return _month_end(int(g["syear"]), month)
        return _next(lambda y: _month_end(y, month), reference, False)
    if kind == "year":
        year = _year(g["year"], reference)
        if year and m.group(0).lower().strip().startswith(("voor ", "vóór ")):
            return dt.date(year - 1, 12, 31)
        return dt.date(year, 12, 31) if year else None
    return None


def _edge(g: dict, reference: dt.date | None) -> dt.date | None:
    """eind/begin/medio of a month or a year: the month's or year's end, its first quarter, its middle."""
    edge = g["edge"].lower()
    if g["emonth"]:
        month = MONTHS[g["emonth"].lower()]
        if g["eyear"]:
            year = int(g["eyear"])
        else:
            date = _next(lambda y: _month_end(y, month), reference, False)
            if date is None:
                return None
            year = date.year
        return _month_end(year, month) if edge.startswith("eind") else dt.date(year, month, 15)
    year = _year(g["year"], reference)
    if year is None:
        return None
    return {"eind": dt.date(year, 12, 31), "einde": dt.date(year, 12, 31), "begin": dt.date(year, 3, 31)}.get(
        edge, dt.date(year, 6, 30))


def find_due(sentence: str, reference: str | None = None) -> Due | None:
    """The first due phrase in ``sentence`` (most specific kind first), resolved against ``reference``
    (an ISO date) when it names no year."""
    ref = dt.date.fromisoformat(reference[:10]) if reference else None
    for kind, regex in _REGEXES:
        m = regex.search(sentence)
        if m:
            date = _resolve(kind, m, ref)
            return Due(m.group(0).strip(), date.isoformat() if date else None, kind)
    return None
