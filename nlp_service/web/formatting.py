"""Jinja filters for the pages: Dutch dates, collection names, counts and query terms marked in text."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from markupsafe import Markup, escape

from ..highlight import mark_terms
from .context import settings
from .resultlist import FOLD_ANSWER_CHARS, group_by_letter

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
    """A long text as (the start, shown; the rest, folded), cut at a space near ``limit``; a text that
    is hardly longer is not folded."""
    if len(text) <= limit * 1.3:
        return text, ""
    cut = text.rfind(" ", 0, limit)
    cut = limit if cut < limit // 2 else cut
    return text[:cut], text[cut:]


def highlight(text: str | None, query: str | None) -> Markup:
    """``text`` with the query's terms in <mark>; mark_terms escapes everything else."""
    if not text:
        return Markup("")
    if not query:
        return escape(text)
    return Markup(mark_terms(text, query))


def register(app: Flask) -> None:
    app.add_template_filter(dutch_date, "datum")
    app.add_template_filter(highlight, "highlight")
    app.add_template_filter(collection_name, "collectie")
    app.add_template_global(count, "count")
    app.add_template_filter(fold, "fold")
    app.add_template_filter(group_by_letter, "group_letters")
