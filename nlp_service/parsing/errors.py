"""The one exception the parsing package raises."""
from __future__ import annotations

from ..errors import Unprocessable


class ParseError(Unprocessable):
    """A file (or one record in it) could not be turned into documents.

    The message always names the file, so a batch can report it on one line.
    """

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
