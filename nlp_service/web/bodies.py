"""JSON request bodies: one object, holding only text that UTF-8 can carry."""
from __future__ import annotations

from flask import abort, request

from ..parsing import check_unicode


def json_object(problem: str) -> dict:
    """The request's JSON object, or a 400 saying ``problem`` (what the body must be)."""
    try:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, problem)
        check_unicode(body)
    except RecursionError:  # ~1,000 levels of [[[...]]] in 2 kB: json and check_unicode recurse
        abort(400, "the JSON body is nested too deeply")
    except UnicodeEncodeError:
        abort(400, "the JSON body holds an unpaired surrogate (\\ud800-\\udfff): not valid Unicode text")
    return body
