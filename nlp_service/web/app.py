"""The Flask app factory: configuration, blueprints, error handlers, response headers."""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter

from ..config import apply_process_settings, load_settings
from ..service import Service
from . import api, council, dossier, errors, formatting, headers, limits, pages, registers
from .context import EXTENSION


class IdConverter(BaseConverter):
    """A database id: at most 18 digits, so it always fits SQLite's 64-bit integer."""

    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))


def create_app(service: Service | None = None) -> Flask:
    """The WSGI app over ``service`` (default: a service over the environment's settings)."""
    if service is None:
        service = Service(load_settings())
        apply_process_settings(service.settings)  # a WSGI server imported us: nobody else did
    settings = service.settings
    app = Flask(__name__)
    # the largest body any route takes; each route's own limit: limits.register
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_mb * 1024 * 1024
    app.config["MAX_QUERY_CHARS"] = settings.max_query_chars
    # Form fields are small (source, title); only the file part may be large.
    app.config["MAX_FORM_MEMORY_SIZE"] = 1024 * 1024
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.url_map.converters["id"] = IdConverter
    # werkzeug redirects //api/x to an absolute URL built from the Host header (308 to any
    # host a client names); a path with // is simply not found
    app.url_map.merge_slashes = False
    app.extensions[EXTENSION] = service
    app.register_blueprint(api.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(dossier.blueprint)
    app.register_blueprint(council.blueprint)
    app.register_blueprint(registers.blueprint)
    errors.register(app)
    formatting.register(app)
    headers.register(app, settings)
    limits.register(app, settings)
    return app
