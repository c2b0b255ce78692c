"""The dossier of an incoming letter: ``POST /api/dossier`` and the page "Nieuwe brief".

A read: nothing is stored, so no token. The letter comes as JSON text, a stored
document's id, or an uploaded file (the upload size limit applies). The page's
download buttons post the parsed letter back (or the stored id), so a download needs
no state on the server either.
"""
from __future__ import annotations

import json
import re

from flask import Blueprint, Response, abort, jsonify, render_template, request

from .. import parsing
from ..documents import Document
from ..dossier import one_letter
from ..dossier_export import MEDIA_TYPES, letter_title, render, warnings
from ..parsing import EXTENSIONS as SUPPORTED_EXTENSIONS
from ..parsing import ParseError
from .bodies import json_object
from .context import service
from .limits import accepts_upload
from .uploads import DEFAULT_SOURCE, content_name, documents_from_request, file_extension

blueprint = Blueprint("dossier", __name__)
DOWNLOAD_FORMATS = ("md", "docx")
#: the page's message per problem with the letter (the API keeps the English detail)
NO_LETTER = "Plak de tekst van een brief of kies een bestand."
UNSUPPORTED = "Dit soort bestand kan niet worden gelezen: kies een .txt, .pdf, .docx of .html-bestand."
UNREADABLE = "Deze brief kon niet worden gelezen of bevat geen genummerde vragen (1. ..., 2. ...)."


@blueprint.post("/api/dossier")
@accepts_upload
def api_dossier() -> Response:
    letter, document_id = _api_letter()
    return jsonify(service().dossier(letter, document_id))


def _api_letter() -> tuple[Document, int | None]:
    if request.is_json:
        body = json_object("the body must be a JSON object with 'text' or 'document_id'")
        if "document_id" in body:
            return stored_letter(body["document_id"])
    documents, _failed = documents_from_request()
    return one_letter(documents, "upload"), None


def stored_letter(value: object) -> tuple[Document, int]:
    """A stored document as the letter; 400 for an id that is not a number, 404 for none."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit() or len(str(value)) > 18:
        abort(400, "document_id must be a document's id (a whole number)")
    stored = service().stored_document(int(value))
    if stored is None:
        abort(404, f"no document with id {int(value)}")
    if not stored.document.questions:
        raise ParseError(f"document {stored.id}", "it holds no questions")
    return stored.document, stored.id


# -- the page ---------------------------------------------------------------------


@blueprint.get("/nieuwe-brief")
def page() -> tuple[str, int] | str:
    if request.args.get("document"):
        letter, document_id = stored_letter(request.args["document"])
        return _dossier_page(letter, document_id)
    return render_template("dossier.html", dossier=None, error=None, text="")


@blueprint.post("/nieuwe-brief")
@accepts_upload
def page_post() -> tuple[str, int] | str:
    text = request.form.get("text", "")
    try:
        letter = _form_letter(text)
    except ParseError as exc:
        message = exc.reason if exc.reason in (NO_LETTER, UNSUPPORTED) else UNREADABLE
        return render_template("dossier.html", dossier=None, error=message, text=text), 422
    return _dossier_page(letter, None, text)


def _form_letter(text: str) -> Document:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        if file_extension(upload.filename) not in SUPPORTED_EXTENSIONS:
            raise ParseError("letter", UNSUPPORTED)
        documents, _failed = documents_from_request()
    elif text.strip():
        documents = [parsing.parse_text(text, DEFAULT_SOURCE, content_name(text.encode("utf-8"), ""))]
    else:
        raise ParseError("letter", NO_LETTER)
    return one_letter(documents, "letter")


def _dossier_page(letter: Document, document_id: int | None, text: str = "") -> str:
    dossier = service().dossier(letter, document_id)
    return render_template("dossier.html", dossier=dossier, error=None, text=text, warnings=warnings(dossier),
                           letter_json=json.dumps(letter.to_dict(), ensure_ascii=False), document_id=document_id,
                           title=letter_title(dossier))


@blueprint.post("/nieuwe-brief/download")
@accepts_upload
def download() -> Response:
    fmt = request.form.get("format", "")
    if fmt not in DOWNLOAD_FORMATS:
        abort(400, f"format must be one of {', '.join(DOWNLOAD_FORMATS)}")
    if request.form.get("document"):
        letter, document_id = stored_letter(request.form["document"])
    else:
        letter, document_id = posted_letter(request.form.get("letter", "")), None
    dossier = service().dossier(letter, document_id)
    response = Response(render(dossier, fmt), mimetype=MEDIA_TYPES[fmt].split(";")[0])
    response.headers["Content-Type"] = MEDIA_TYPES[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="dossier-{slug(letter_title(dossier))}.{fmt}"'
    return response


def posted_letter(raw: str) -> Document:
    """The letter as the page rendered it (JSON of ``Document.to_dict``), checked field by field."""
    try:
        data = json.loads(raw)
        questions = data["questions"]
        valid = (isinstance(data, dict) and isinstance(questions, list) and questions
                 and all(isinstance(q, dict) and isinstance(q.get("number"), str) and isinstance(q.get("text"), str)
                         and isinstance(q.get("answer"), (str, type(None))) for q in questions)
                 and all(isinstance(data.get(k, ""), (str, type(None))) for k in ("source", "external_id", "title")))
        if not valid:
            raise ValueError
        return Document.from_dict({k: v for k, v in data.items() if k in ("source", "external_id", "title", "submitted",
                                                                          "answered", "authors", "parties", "intro",
                                                                          "questions")})
    except (ValueError, KeyError, TypeError):
        abort(400, "letter must be the JSON of a parsed letter with its questions")


def slug(title: str) -> str:
    """An ASCII file name part from a title (header-safe)."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "brief"
