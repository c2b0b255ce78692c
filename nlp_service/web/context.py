"""Where views find the settings and the search engine of the app serving them."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..config import Settings
from ..search import SearchEngine

EXTENSION = "nlp_service"


@dataclass(frozen=True)
class ServiceContext:
    settings: Settings
    engine: SearchEngine


def service() -> ServiceContext:
    return current_app.extensions[EXTENSION]


def engine() -> SearchEngine:
    return service().engine


def settings() -> Settings:
    return service().settings
