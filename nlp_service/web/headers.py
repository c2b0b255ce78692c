"""Response headers: security headers on everything, CORS only for configured origins."""
from __future__ import annotations

from flask import Flask, Response, request

from ..config import Settings

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Only our own stylesheet and script; highlighted text is server-side <mark>, never script.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type"


def allowed_origins(settings: Settings) -> frozenset[str]:
    return frozenset(o.strip().rstrip("/") for o in settings.cors_origins.split(",") if o.strip())


def is_api_path(path: str) -> bool:
    path = "/" + path.lstrip("/")  # werkzeug routes //api/x as /api/x
    return path.startswith("/api/") or path in ("/api", "/health")


def register(app: Flask, settings: Settings) -> None:
    origins = allowed_origins(settings)

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.method == "OPTIONS" and is_api_path(request.path) and not response.is_json:
            # Flask's automatic OPTIONS answer is an empty text/html body; under /api all is JSON
            response.set_data(b"{}")
            response.mimetype = "application/json"
        if origins and is_api_path(request.path):
            add_cors_headers(response, origins)
        return response


def add_cors_headers(response: Response, origins: frozenset[str]) -> None:
    """Allow the request's origin when it is one of ``origins`` (or they include ``*``)."""
    response.vary.add("Origin")
    origin = request.headers.get("Origin", "")
    if not origin or ("*" not in origins and origin not in origins):
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
    response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
    response.headers["Access-Control-Max-Age"] = "600"
