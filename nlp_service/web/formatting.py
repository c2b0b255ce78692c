"""Jinja filters for the pages: Dutch dates and query terms marked in text."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from markupsafe import Markup, escape

from ..highlight import mark_terms

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


def register(app: Flask) -> None:
    app.add_template_filter(dutch_date, "datum")
    app.add_template_filter(highlight, "highlight")
