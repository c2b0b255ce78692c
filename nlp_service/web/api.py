"""The JSON API: search, documents, questions, uploads, statistics and health."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, abort, jsonify

from ..errors import Unavailable
from ..pipeline import IngestReport
from .auth import require_token
from .context import service
from .limits import accepts_upload
from .searching import make_search_request, search_params
from .uploads import documents_from_request

blueprint = Blueprint("api", __name__)


@blueprint.route("/api/search", methods=["GET", "POST"])
def search() -> Response:
    """POST takes the same parameters as a body, for questions too long for a URL."""
    response = service().search(make_search_request(search_params()))
    return jsonify(response.to_dict(with_snippet=True))


@blueprint.get("/api/documents/<id:doc_id>")
def document(doc_id: int) -> Response:
    data = service().get_document(doc_id)
    if data is None:
        abort(404, f"no document with id {doc_id}")
    return jsonify(data)


@blueprint.get("/api/questions/<id:question_id>")
def question(question_id: int) -> Response:
    data = service().get_question(question_id)
    if data is None:
        abort(404, f"no question with id {question_id}")
    return jsonify(data)


@blueprint.post("/api/documents")
@accepts_upload
@require_token
def upload() -> tuple[Response, int]:
    documents, failed = documents_from_request()
    report = service().add_documents(documents)
    report.failed.extend(failed)  # records of an export that did not parse: said, not only logged
    return jsonify(ids=report.document_ids, report=report_dict(report)), 201


def report_dict(report: IngestReport) -> dict:
    return {**asdict(report), "summary": report.summary()}


@blueprint.get("/api/stats")
def stats() -> Response:
    return jsonify(service().stats())


@blueprint.get("/health")
def health() -> Response | tuple[Response, int]:
    try:
        health = service().health()
    except Unavailable as exc:
        return jsonify(status="unavailable", error=str(exc)), 503
    return jsonify(status="ok", **health)
