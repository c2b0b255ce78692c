"""The HTTP service and the web page: a thin layer over :mod:`nlp_service.search`."""
from .app import create_app

__all__ = ["create_app"]
