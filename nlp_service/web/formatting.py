"""Jinja filters for the pages: Dutch dates, collection names, counts and query terms marked in text."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from markupsafe import Markup, escape

from ..highlight import mark_terms
from .context import settings
from .resultlist import FOLD_ANSWER_CHARS, group_by_letter

#: a result card shows at most this much of a question or an answer, with a link to the whole:
#: a 5,000-character query with k=100 rendered every answer in full (a page of over 1 MB)
CARD_TEXT_CHARS = 1200
#: an answer in a result card is there whole (folded: "Toon het hele antwoord") up to this length, so
#: that a printed result page holds it; a longer one is clipped there, with a link to the whole
ANSWER_CARD_CHARS = 6000
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


def collection_name(source: str | None) -> str:
    """The readable name of a collection (NLP_SERVICE_COLLECTION_NAMES and the defaults), else its key."""
    return settings().collection_labels.get(source or "", source or "onbekend")


def count(n: int, singular: str, plural: str) -> str:
    """``1 brief``, ``2 brieven``."""
    return f"{n} {singular if n == 1 else plural}"


def fold(text: str, limit: int = FOLD_ANSWER_CHARS) -> tuple[str, str]:
    """A long text as (its start, shown; the rest, folded), cut between words; a text that is
    hardly longer is not folded."""
    if len(text) <= limit * 1.3:
        return text, ""
    head = whole_words(text, limit)
    return head, text[len(head):]


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


def linked_params(params: dict[str, str]) -> dict[str, str]:
    """A search's parameters as its result links carry them (for the way back): the query clipped."""
    return {**params, "q": linked_query(params.get("q"))} if params.get("q") else dict(params)


def whole_words(text: str, limit: int) -> str:
    """The start of ``text`` up to its last word boundary within ``limit`` characters."""
    cut = text[:limit]
    if not text[limit:limit + 1].isspace():  # the cut falls inside a word: leave that word out
        words = cut.rsplit(maxsplit=1)
        cut = words[0] if len(words) == 2 else cut
    return cut.rstrip()


#: where in the letter the text shown for a hit lies when it is not the question itself (units.py), as a card
#: says it; a whole-letter hit shows its best other unit, and the letter only when it has none
UNIT_PLACES = {"intro": "de inleiding van de brief", "answer": "het antwoord", "letter": "de brief als geheel"}


def register(app: Flask) -> None:
    app.add_template_filter(dutch_date, "datum")
    app.add_template_filter(highlight, "highlight")
    app.add_template_filter(collection_name, "collectie")
    app.add_template_global(count, "count")
    app.add_template_filter(fold, "fold")
    app.add_template_filter(group_by_letter, "group_letters")
    app.add_template_filter(clip, "clip")
    app.add_template_filter(linked_query, "linked_query")
    app.add_template_filter(linked_params, "linked_params")
    app.add_template_global(CARD_TEXT_CHARS, "CARD_TEXT_CHARS")
    app.add_template_global(UNIT_PLACES, "UNIT_PLACES")
    app.add_template_global(ANSWER_CARD_CHARS, "ANSWER_CARD_CHARS")
