"""Bearer-token access for the writing endpoints."""
from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps

from flask import abort, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from .context import settings

WRITING_DISABLED = "writing is disabled on this server: set NLP_SERVICE_API_TOKEN to enable uploads"


def check_write_access() -> None:
    """403 when the server has no token (writing off), 401 when the request lacks the right one."""
    expected = settings().api_token
    if not expected:
        abort(403, WRITING_DISABLED)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    # compare_digest on bytes: constant time, and no TypeError on non-ASCII input
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise Unauthorized("a valid 'Authorization: Bearer <token>' header is required",
                           www_authenticate=WWWAuthenticate("bearer", {"realm": "nlp-service"}))


def require_token(view: Callable) -> Callable:
    """Check the token before the view reads the body, so an anonymous upload is never parsed."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        check_write_access()
        return view(*args, **kwargs)

    return wrapper
