"""Where views find the service of the app serving them."""
from __future__ import annotations

from flask import current_app

from ..config import Settings
from ..service import Service

EXTENSION = "nlp_service"


def service() -> Service:
    return current_app.extensions[EXTENSION]


def settings() -> Settings:
    return service().settings
