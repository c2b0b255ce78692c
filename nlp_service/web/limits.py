"""How large a request body each route takes, and which requests are refused from their
headers alone, before the HTTP server reads their body.

Used twice: by the waitress channel (:mod:`.channel`), which answers a refused request
without reading its body, and by the app (``before_request``) for any server.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, abort, request

from ..config import Settings
from .auth import TOKEN_REQUIRED, WRITING_DISABLED, WWW_AUTHENTICATE, write_access_refusal

UPLOAD_PATH = "/api/documents"
#: a search body holds a query of at most MAX_QUERY_CHARS characters: in JSON each may be a
#: 12-byte escaped surrogate pair; plus the filters and room for the keys. Ten 10 MB search
#: bodies, each parsed in full (1.2-2.6 s), slowed a normal search from 0.03 s to 11 s.
BYTES_PER_QUERY_CHAR = 12
SEARCH_BODY_SLACK = 16 * 1024


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

    @classmethod
    def of(cls, settings: Settings) -> "RequestLimits":
        return cls(upload_bytes=settings.max_upload_mb * 1024 * 1024,
                   other_bytes=SEARCH_BODY_SLACK + BYTES_PER_QUERY_CHAR * settings.max_query_chars,
                   api_token=settings.api_token)

    @property
    def largest(self) -> int:
        return max(self.upload_bytes, self.other_bytes)

    def body_limit(self, method: str, path: str) -> int:
        """Uploads take MAX_UPLOAD_MB; every other route (a search body, or none) far less."""
        return self.upload_bytes if is_upload(method, path) else self.other_bytes

    def refusal(self, method: str, path: str, content_length: int, authorization: str) -> Refusal | None:
        """Why this request is refused before its body is read, or None."""
        if is_upload(method, path):
            status = write_access_refusal(authorization, self.api_token)
            if status == 403:
                return Refusal(403, WRITING_DISABLED)
            if status == 401:
                return Refusal(401, TOKEN_REQUIRED, (("WWW-Authenticate", WWW_AUTHENTICATE.to_header()),))
        limit = self.body_limit(method, path)
        if content_length > limit:
            return Refusal(413, too_large_message(method, path, limit))
        return None


def is_upload(method: str, path: str) -> bool:
    return method == "POST" and path == UPLOAD_PATH


def too_large_message(method: str, path: str, limit: int) -> str:
    if is_upload(method, path):
        return f"the upload is larger than NLP_SERVICE_MAX_UPLOAD_MB ({limit // (1024 * 1024)} MB)"
    return f"the request body is larger than {limit // 1024} kB, the most a search needs"


def register(app: Flask, settings: Settings) -> None:
    """The same limits inside the app, for any WSGI server (and chunked bodies Flask reads)."""
    limits = RequestLimits.of(settings)

    @app.before_request
    def limit_body() -> None:
        limit = limits.body_limit(request.method, request.path)
        request.max_content_length = limit
        if (request.content_length or 0) > limit:
            abort(413, too_large_message(request.method, request.path, limit))
