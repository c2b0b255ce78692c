"""The service's error family: a problem for the caller to fix, never a bug.

Each error carries what it means on both surfaces: the HTTP status the web layer
answers with (``web/errors.py`` maps the family in one handler) and the exit code
the command line ends with (``cli.py`` maps it in one place). The concrete errors
live with the code that raises them and subclass one of these.
"""
from __future__ import annotations


class ServiceError(Exception):
    """A user-facing error: its message is shown as it is (one line, no traceback)."""

    http_status = 500
    exit_code = 1


class InvalidRequest(ServiceError):
    """The request cannot be answered as asked (a bad parameter)."""

    http_status = 400


class Unprocessable(ServiceError):
    """The input was read but cannot be used (a file that does not parse)."""

    http_status = 422


class Busy(ServiceError):
    """Another writer holds the index; the same request succeeds later."""

    http_status = 409


class Unavailable(ServiceError):
    """The service lacks something the operator must provide (an index, the model, a store)."""

    http_status = 503
