"""Jinja filters for the pages: Dutch dates and query terms marked in text."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from markupsafe import Markup, escape

from ..highlight import mark_terms

#: a result card shows at most this much of a question or an answer, with a link to the whole:
#: a 5,000-character query with k=100 rendered every answer in full (a page of over 1 MB)
CARD_TEXT_CHARS = 1200
#: how much of the query a result's link to its document carries (to mark the words there):
#: each of a page's 100 cards links twice, and a pasted query can hold 5,000 characters
LINKED_QUERY_CHARS = 300
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


def dutch_date(value: str | None) -> str:
    """``2020-02-03`` -> ``3 februari 2020``; what is not an ISO date is shown as it is."""
    if not value:
        return "datum onbekend"
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def highlight(text: str | None, query: str | None) -> Markup:
    """``text`` with the query's terms in <mark>; mark_terms escapes everything else."""
    if not text:
        return Markup("")
    if not query:
        return escape(text)
    return Markup(mark_terms(text, query))


def clip(text: str | None, limit: int = CARD_TEXT_CHARS) -> str | None:
    """``text``, or its whole words within ``limit`` characters followed by " …"."""
    if not text or len(text) <= limit:
        return text
    return whole_words(text, limit) + " …"


def linked_query(query: str | None) -> str | None:
    """The query as a result links it to its document: its whole words within LINKED_QUERY_CHARS."""
    if not query or len(query) <= LINKED_QUERY_CHARS:
        return query
    return whole_words(query, LINKED_QUERY_CHARS)


def whole_words(text: str, limit: int) -> str:
    """The start of ``text`` up to its last word boundary within ``limit`` characters."""
    cut = text[:limit]
    if not text[limit:limit + 1].isspace():  # the cut falls inside a word: leave that word out
        words = cut.rsplit(maxsplit=1)
        cut = words[0] if len(words) == 2 else cut
    return cut.rstrip()


def register(app: Flask) -> None:
    app.add_template_filter(dutch_date, "datum")
    app.add_template_filter(highlight, "highlight")
    app.add_template_filter(clip, "clip")
    app.add_template_filter(linked_query, "linked_query")
    app.add_template_global(CARD_TEXT_CHARS, "CARD_TEXT_CHARS")
