"""How large a request body each route takes, and which requests are refused from their
headers alone, before the HTTP server reads their body.

Used twice: by the waitress channel (:mod:`.channel`), which answers a refused request
without reading its body, and by the app (``before_request``) for any server.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, abort, request

from ..config import Settings
from .auth import TOKEN_REQUIRED, WRITING_DISABLED, WWW_AUTHENTICATE, write_access_refusal

#: a search body holds a query of at most MAX_QUERY_CHARS characters: in JSON each may be a
#: 12-byte escaped surrogate pair; plus the filters and room for the keys. Ten 10 MB search
#: bodies, each parsed in full (1.2-2.6 s), slowed a normal search from 0.03 s to 11 s.
BYTES_PER_QUERY_CHAR = 12
SEARCH_BODY_SLACK = 16 * 1024
EXTENSION = "nlp_service.limits"


def accepts_upload(view: Callable) -> Callable:
    """Mark a view that takes a file (up to MAX_UPLOAD_MB); every other route takes a search's body."""
    view.accepts_upload = True
    return view


@dataclass(frozen=True)
class Refusal:
    """A request answered from its headers: status, message and any headers of that status."""

    status: int
    message: str
    headers: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True)
class RequestLimits:
    upload_bytes: int
    other_bytes: int
    api_token: str
    #: (method, path) of the routes marked with :func:`accepts_upload`
    upload_routes: frozenset[tuple[str, str]]
    #: (method, path) of the routes that need the token (``auth.require_token``)
    token_routes: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, settings: Settings, app: Flask) -> "RequestLimits":
        return cls(upload_bytes=settings.max_upload_mb * 1024 * 1024,
                   other_bytes=SEARCH_BODY_SLACK + BYTES_PER_QUERY_CHAR * settings.max_query_chars,
                   api_token=settings.api_token, upload_routes=routes_marked(app, "accepts_upload"),
                   token_routes=routes_marked(app, "requires_token"))

    @property
    def largest(self) -> int:
        return max(self.upload_bytes, self.other_bytes)

    def is_upload(self, method: str, path: str) -> bool:
        return (method, path) in self.upload_routes

    def body_limit(self, method: str, path: str) -> int:
        """Uploads take MAX_UPLOAD_MB; every other route (a search body, or none) far less."""
        return self.upload_bytes if self.is_upload(method, path) else self.other_bytes

    def refusal(self, method: str, path: str, content_length: int, authorization: str) -> Refusal | None:
        """Why this request is refused before its body is read, or None."""
        if (method, path) in self.token_routes:
            status = write_access_refusal(authorization, self.api_token)
            if status == 403:
                return Refusal(403, WRITING_DISABLED)
            if status == 401:
                return Refusal(401, TOKEN_REQUIRED, (("WWW-Authenticate", WWW_AUTHENTICATE.to_header()),))
        limit = self.body_limit(method, path)
        if content_length > limit:
            return Refusal(413, self.too_large_message(method, path))
        return None

    def too_large_message(self, method: str, path: str) -> str:
        if self.is_upload(method, path):
            return f"the upload is larger than NLP_SERVICE_MAX_UPLOAD_MB ({self.upload_bytes // (1024 * 1024)} MB)"
        return f"the request body is larger than {self.other_bytes // 1024} kB, the most a search needs"


def routes_marked(app: Flask, attribute: str) -> frozenset[tuple[str, str]]:
    """(method, path) of every route whose view carries ``attribute`` (a path without variables)."""
    return frozenset((method, rule.rule) for rule in app.url_map.iter_rules()
                     if getattr(app.view_functions[rule.endpoint], attribute, False) and "<" not in rule.rule
                     for method in rule.methods or ())


def register(app: Flask, settings: Settings) -> None:
    """The limits of the app's routes (after its blueprints), for the server (:func:`of_app`)
    and inside the app, for any WSGI server (and chunked bodies Flask reads)."""
    limits = RequestLimits.of(settings, app)
    app.extensions[EXTENSION] = limits

    @app.before_request
    def limit_body() -> None:
        limit = limits.body_limit(request.method, request.path)
        request.max_content_length = limit
        if (request.content_length or 0) > limit:
            abort(413, limits.too_large_message(request.method, request.path))


def of_app(app: Flask) -> RequestLimits:
    return app.extensions[EXTENSION]
