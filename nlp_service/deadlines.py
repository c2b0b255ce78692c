"""Termijnbewaking: each question's status and due date, computed against today's date.

The Reglement van Orde gives the college a term to answer (``NLP_SERVICE_ANSWER_TERM_DAYS``,
30 days by default) from the day the question was submitted. A postponement notice moves the
due date to the date it promises, or, when it promises none, one term after the notice.
A question not answered by its due date is ``overdue``. Nothing here is stored: the same
question is ``open`` today and ``overdue`` next month.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

STATUSES = ("open", "postponed", "overdue", "answered")
#: the statuses a griffie still has to watch
PENDING = ("open", "postponed", "overdue")


@dataclass(frozen=True)
class Postponement:
    date: str | None  # the notice's own date
    promised: str | None  # the date it promises the answers by


@dataclass(frozen=True)
class Status:
    status: str
    due: str | None
    answered: str | None = None


def _plus_days(date: str | None, days: int) -> str | None:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=days)).isoformat() if date else None


def question_status(submitted: str | None, answered: bool, answered_on: str | None,
                    postponements: list[Postponement], term_days: int, today: dt.date) -> Status:
    """The status of one question: ``answered`` (on ``answered_on``), else ``postponed`` or
    ``open`` until its due date has passed, then ``overdue``."""
    due = _plus_days(submitted, term_days)
    if answered:
        return Status("answered", due, answered_on)
    status = "open"
    if postponements:
        latest = max(postponements, key=lambda p: p.date or "")
        due = latest.promised or _plus_days(latest.date, term_days) or due
        status = "postponed"
    if due and due < today.isoformat():
        status = "overdue"
    return Status(status, due)
