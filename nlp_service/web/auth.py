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
TOKEN_REQUIRED = "a valid 'Authorization: Bearer <token>' header is required"
#: the challenge a 401 carries
WWW_AUTHENTICATE = WWWAuthenticate("bearer", {"realm": "nlp-service"})


def write_access_refusal(authorization: str, expected: str) -> int | None:
    """403 when the server has no token (writing off), 401 when ``authorization`` is not
    ``Bearer <expected>``, None when writing is allowed.

    Pure, so the HTTP server can refuse an upload from its headers, before its body is read.
    """
    if not expected:
        return 403
    scheme, _, token = authorization.partition(" ")
    # compare_digest on bytes: constant time, and no TypeError on non-ASCII input
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return 401
    return None


def check_write_access() -> None:
    """403 when the server has no token (writing off), 401 when the request lacks the right one."""
    status = write_access_refusal(request.headers.get("Authorization", ""), settings().api_token)
    if status == 403:
        abort(403, WRITING_DISABLED)
    if status == 401:
        raise Unauthorized(TOKEN_REQUIRED, www_authenticate=WWW_AUTHENTICATE)


def require_token(view: Callable) -> Callable:
    """Check the token before the view reads the body, so an anonymous upload is never parsed."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        check_write_access()
        return view(*args, **kwargs)

    wrapper.requires_token = True  # the HTTP server checks it from the headers too (limits.py)
    return wrapper
