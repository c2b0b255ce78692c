"""Every error as JSON ``{"error": ...}`` on API routes and as a friendly Dutch page elsewhere.

The service's errors (:class:`~nlp_service.errors.ServiceError`) carry their own status and
are answered here, in one handler, so views stay free of try/except. No response ever
carries a traceback.
"""
from __future__ import annotations

import sqlite3

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import ServiceError
from .headers import is_api_path

#: (title, explanation) of the error page per status
PAGE_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Deze zoekopdracht klopt niet", "Controleer de zoektekst en de filters en probeer het opnieuw."),
    404: ("Niet gevonden", "Deze pagina, brief of vraag bestaat niet (meer)."),
    405: ("Niet toegestaan", "Deze pagina kan niet op deze manier worden opgevraagd."),
    413: ("Te groot", "Wat u verstuurde is groter dan de server aanneemt."),
    503: ("Zoeken is nu niet mogelijk", "De zoekindex is er (nog) niet of is beschadigd. Probeer het later opnieuw."),
}
#: a database error on a read path (a LIKE pattern past SQLite's limit was a 500): the
#: operator reads the detail in the log, the client only that it may try again
DATABASE_ERROR = "the database could not answer this request: try again later"
DEFAULT_PAGE_MESSAGE = ("Er ging iets mis", "Er ging aan onze kant iets mis. Probeer het later opnieuw.")
INTERNAL_ERROR = "internal server error"


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(sqlite3.OperationalError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)


def error_response(status: int, message: str) -> Response:
    """JSON for API routes, the Dutch error page for everything else."""
    if is_api_path(request.path):
        response = jsonify(error=message)
    else:
        title, explanation = PAGE_MESSAGES.get(status, DEFAULT_PAGE_MESSAGE)
        # Only a bad request says what was wrong; other details are for the log, not the visitor.
        detail = message if status == 400 else None
        response = Response(render_template("error.html", status=status, title=title,
                                            explanation=explanation, detail=detail), mimetype="text/html")
    response.status_code = status
    return response


def handle_http_exception(exc: HTTPException) -> Response:
    response = error_response(exc.code or 500, exc.description or exc.name)
    # Keep the headers that belong to the status (Allow on 405, WWW-Authenticate on 401).
    for name, value in exc.get_headers(request.environ):
        if name.lower() != "content-type":
            response.headers.add(name, value)
    return response


def handle_service_error(exc: ServiceError) -> Response:
    status = exc.http_status
    if status == 500:  # a misconfigured server (a bad setting): for the log, not the client
        return handle_unexpected(exc)
    if status > 500:  # the operator has something to fix (no index, no model)
        current_app.logger.warning("%s %s: %s", request.method, request.path, exc)
    return error_response(status, str(exc))


def handle_database_error(exc: sqlite3.OperationalError) -> Response:
    current_app.logger.warning("%s %s: database error: %s", request.method, request.path, exc)
    return error_response(503, DATABASE_ERROR)


def handle_unexpected(exc: Exception) -> Response:
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, INTERNAL_ERROR)
