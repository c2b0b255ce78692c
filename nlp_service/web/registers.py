"""Termijnbewaking and cases over HTTP: questions by status (JSON and the page), answer
letters without a question letter, and the operator's link/unlink (with the token)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request

from ..deadlines import PENDING, STATUSES
from ..search import QueryError
from .auth import require_token
from .bodies import json_object
from .context import service

blueprint = Blueprint("registers", __name__)
FILTERS = ("since", "until", "party", "author", "source")
#: Dutch names of the statuses and letter kinds, for the pages
STATUS_LABELS = {"open": "open", "postponed": "uitgesteld", "overdue": "termijn verstreken", "answered": "beantwoord"}
KIND_LABELS = {"question": "vragen", "answer": "antwoord", "postponement": "uitstel", "combined": "vragen en antwoorden",
               "other": "brief"}


@blueprint.app_template_filter("status_label")
def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@blueprint.app_template_filter("kind_label")
def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def _questions(default: tuple[str, ...] | None) -> list[dict]:
    """Questions of ``?status=`` (one or more, comma-separated; default ``default``) and the filters."""
    statuses = [s.strip() for s in request.args.get("status", "").split(",") if s.strip()] or default
    return service().questions_by_status(statuses, **{name: request.args.get(name) for name in FILTERS})


@blueprint.get("/api/questions")
def questions() -> Response:
    return jsonify(questions=_questions(None))


@blueprint.get("/api/cases/unmatched")
def unmatched() -> Response:
    return jsonify(documents=service().unmatched_answer_letters())


def _document_id(body: dict, name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        abort(400, f"{name} must be a document id (a whole number)")
    return value


@blueprint.post("/api/cases/link")
@require_token
def link() -> Response:
    body = json_object('the body must be a JSON object {"document": id, "other": id}')
    document, other = _document_id(body, "document"), _document_id(body, "other")
    service().link_letters(document, other)
    return jsonify(document=service().get_document(document))


@blueprint.post("/api/cases/unlink")
@require_token
def unlink() -> Response:
    document = _document_id(json_object('the body must be a JSON object {"document": id}'), "document")
    service().unlink_letter(document)
    return jsonify(document=service().get_document(document))


@blueprint.get("/termijnbewaking")
def deadlines_page() -> tuple[str, int]:
    error, found = None, []
    try:
        found = _questions(PENDING)
    except QueryError:  # the API says which parameter in English; the page in Dutch
        error = "Onbekende status of geen geldige datum."
    html = render_template("termijnbewaking.html", questions=found, error=error, statuses=STATUSES,
                           chosen=request.args.get("status", ""),
                           params={name: request.args.get(name, "") for name in FILTERS})
    return html, 400 if error else 200
