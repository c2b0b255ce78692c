"""Raw search input as people and clients send it: what is searchable, strict numbers and
dates, and how much of a bad value an error message repeats.

Pure functions, shared by every way in (CLI, API, page) through ``SearchEngine.make_request``.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

#: longest party, author or collection filter: the longest name in the shared corpus has
#: 60 characters; SQLite's LIKE refuses patterns past 50,000 bytes (a 500 before this cap)
MAX_FILTER_CHARS = 200
#: how much of a refused value an error message repeats (a 200 kB ``mode`` came back whole)
SHOWN_CHARS = 80
#: a letter or a digit of any script; ``_`` alone is punctuation to a person
_WORD_CHAR_RE = re.compile(r"[^\W_]")
_WHOLE_NUMBER_RE = re.compile(r"[0-9]{1,9}")
_ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def searchable_text(text: str) -> str:
    """``text`` without format characters (zero-width spaces, soft hyphens, direction marks:
    Unicode category Cf) and outer white space; empty when no letter or digit is left.

    ``...``, ``*`` or an emoji alone gave ten arbitrary dense results ("10 resultaten")
    while BM25 found nothing: a query without a word has nothing to search.
    """
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()
    return text if _WORD_CHAR_RE.search(text) else ""


def whole_number(value: object) -> int | None:
    """An int, or a string of 1-9 ASCII digits, as an int; None for anything else.

    ``int()`` also takes ``+5``, ``1_0``, `` 5 ``, Arabic-Indic and full-width digits.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER_RE.fullmatch(value):
        return int(value)
    return None


def is_iso_date_text(value: str) -> bool:
    """Exactly ``YYYY-MM-DD`` as the README documents (``fromisoformat`` also takes
    ``20200101`` and ``2020-W01-1``); whether it is a real date is checked apart."""
    return bool(_ISO_DATE_RE.fullmatch(value))


def checked_date(value: str, option: str) -> str:
    """``value`` when it is a real date written ``YYYY-MM-DD``; else an error naming ``option``."""
    from .errors import InvalidRequest

    try:
        if is_iso_date_text(value):
            return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise InvalidRequest(f"{option} must be a date as YYYY-MM-DD, got {shown(value)}")


def shown(value: object) -> str:
    """``repr(value)`` for an error message, cut to ``SHOWN_CHARS`` characters."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + f"… ({len(text)} characters)"
