"""Parsing: one input (file, upload or text) -> :class:`~nlp_service.documents.Document` objects.

Public API::

    ParseError                          # message names the file (and record)
    parse_path(path, source=None)       # one file -> documents
    parse_bytes(data, filename, source) # an upload -> documents
    parse_text(text, source, external_id, title="")
    iter_documents(paths, source=None, on_error=None, progress=False)

Formats: ``.txt``, ``.pdf``, ``.docx``, ``.html``, the Belgian ``questions.jsonl``
export and the Tweede Kamer ``documents.csv`` export (see :mod:`.readers`).
Layouts: see :mod:`.layout`; answer linking: see :mod:`.linker`.

A document that cannot be split keeps all its text: unnumbered paragraphs
that ask something become questions 1..n, otherwise the body becomes one
question ``"1"`` (intro only when it asks nothing); ``Document.warnings``
names the file either way.
"""
from __future__ import annotations

from .api import iter_documents, parse_bytes, parse_path, parse_text, walk
from .errors import ParseError
from .readers import EXTENSIONS, check_unicode

__all__ = ["EXTENSIONS", "ParseError", "check_unicode", "iter_documents", "parse_bytes", "parse_path", "parse_text",
           "walk"]
