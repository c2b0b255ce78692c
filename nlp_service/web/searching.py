"""Search parameters from an HTTP request, shared by the API and the page."""
from __future__ import annotations

from collections.abc import Mapping

from flask import abort, request

from ..query_input import shown
from ..retrievers import FUSED, SORTS
from ..search import SearchRequest
from .bodies import json_object
from .context import service

SEARCH_PARAMS = ("q", "k", "since", "until", "party", "author", "source", "sort", "mode")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def search_params() -> dict[str, str]:
    """The search parameters of the query string (GET) or of a JSON or form body (POST)."""
    if request.method != "POST":
        return _strings(request.args)
    if request.is_json:
        return _strings(json_object("the body must be a JSON object of search parameters"))
    # a JSON body sent as text/plain, read as an empty form, got "the query is empty"
    if request.mimetype not in FORM_TYPES and (request.mimetype or request.content_length):
        abort(415, f"expected application/json (or a form body), got Content-Type {shown(request.mimetype)}")
    return _strings(request.form)


def _strings(values: Mapping) -> dict[str, str]:
    params = {}
    for name in SEARCH_PARAMS:
        value = values.get(name)
        if value is None:
            continue
        # JSON numbers are fine for k; lists, objects and booleans are not parameters.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            abort(400, f"{name} must be a string")
        params[name] = value
    return params


def make_search_request(params: Mapping[str, str]) -> SearchRequest:
    """Validated by the core: a bad value raises QueryError (400)."""
    return service().make_request(
        params.get("q"), params.get("k") or 10, params.get("since"), params.get("until"),
        params.get("party"), params.get("author"), params.get("source"),
        mode=params.get("mode") or FUSED, sort=params.get("sort") or SORTS[0],
    )
