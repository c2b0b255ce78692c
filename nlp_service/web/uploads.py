"""Turn an upload (a multipart file or a JSON text) into parsed documents.

Only the uploaded bytes are read. The client's filename serves for its
extension alone; the name handed to the parser is derived from the content, so
no client-chosen path or name reaches the parser or the store, and uploading
the same bytes twice finds the same document.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import PurePosixPath

from flask import abort, request

from .. import parsing
from ..documents import Document
from ..parsing import EXTENSIONS as SUPPORTED_EXTENSIONS
from ..query_input import shown
from .bodies import json_object

DEFAULT_SOURCE = "upload"
SOURCE_RE = re.compile(r"[\w.-]{1,64}")
MAX_FIELD_CHARS = 300


def documents_from_request() -> tuple[list[Document], list[tuple[str, str]]]:
    """The documents of an upload, and (record, reason) for each record of it that did not parse."""
    failed: list[tuple[str, str]] = []
    if request.mimetype == "multipart/form-data":
        documents = _from_multipart(failed)
    elif request.is_json:
        documents = _from_json()
    else:
        abort(415, "send a file as multipart/form-data (field 'file') or JSON {\"text\": ...}")
    if not documents:
        raise parsing.ParseError("upload", "no document found in it")
    return documents, failed


def _from_multipart(failed: list[tuple[str, str]]) -> list[Document]:
    upload = request.files.get("file")
    if upload is None:
        abort(400, "the multipart field 'file' is missing")
    extension = file_extension(upload.filename or "")
    if extension not in SUPPORTED_EXTENSIONS:
        supported = " ".join(sorted(SUPPORTED_EXTENSIONS))
        abort(415, f"unsupported file type {shown(extension) if extension else '(no extension)'}; supported: {supported}")
    data = upload.read()
    documents = parsing.parse_bytes(data, content_name(data, extension), clean_source(request.form.get("source")),
                                    on_error=lambda _path, exc: failed.append((upload.filename or "upload", str(exc))))
    return with_overrides(documents, optional_field(request.form, "title"), optional_field(request.form, "external_id"))


def _from_json() -> list[Document]:
    body = json_object("the body must be a JSON object with a 'text' field")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        abort(400, "'text' must be a non-empty string")
    external_id = optional_field(body, "external_id") or content_name(text.encode("utf-8"), "")
    return [parsing.parse_text(text, clean_source(body.get("source")), external_id, optional_field(body, "title") or "")]


def with_overrides(documents: list[Document], title: str | None, external_id: str | None) -> list[Document]:
    """The client's title and id apply to a single document; an export keeps its records' own."""
    if len(documents) == 1:
        documents[0].title = title or documents[0].title
        documents[0].external_id = external_id or documents[0].external_id
    return documents


def file_extension(filename: str) -> str:
    """``.pdf`` of ``C:\\stukken\\Vragen.PDF``; the rest of the name is never used."""
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()


def content_name(data: bytes, extension: str) -> str:
    return f"upload-{hashlib.sha256(data).hexdigest()[:16]}{extension}"


def clean_source(value: object) -> str:
    if value in (None, ""):
        return DEFAULT_SOURCE
    if not isinstance(value, str) or not SOURCE_RE.fullmatch(value):
        abort(400, "source must be 1-64 letters, digits, '.', '_' or '-'")
    return value


def optional_field(body: Mapping, name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
        abort(400, f"{name} must be a string of at most {MAX_FIELD_CHARS} characters")
    return value.strip() or None
