"""Readers: bytes of one file -> raw documents (text plus what the format itself states).

The format comes from the extension *and* the content: a ``.pdf`` must start
like a PDF, a ``.docx`` must be a Word ZIP, a ``.txt`` must not be binary.
When they disagree, or the extension is unknown, a :class:`ParseError` names
the file instead of a guess. A file without extension is sniffed.

The two exports hold many documents: ``questions.jsonl`` (Belgian Chamber, one
record per line) and ``documents.csv`` (Tweede Kamer, columns
``name,text_content``). A bad record does not sink the file: it is returned as
an error next to the good records.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from .dates import parse_date
from .errors import ParseError
from .markers import number_label

log = logging.getLogger(__name__)

EXTENSIONS = {
    ".txt": "text", ".text": "text",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html", ".htm": "html",
    ".jsonl": "jsonl",
    ".csv": "csv",
}
CSV_ID_COLUMN = "name"
CSV_TEXT_COLUMNS = ("text_content", "text")
JSONL_TEXT_FIELD = "question"


@dataclass
class RawDocument:
    """What a reader found, before the layout is split."""

    external_id: str
    text: str
    answer_text: str | None = None  # set when the format keeps the answer in a field of its own
    is_question: bool = False  # the text is a question field: it asks something even without "?"
    title: str = ""
    submitted: str | None = None
    authors: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)  # page headers/footers, footnotes: kept in 'other'


@dataclass
class ReadResult:
    documents: list[RawDocument] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)


# --- format detection --------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The format the content itself shows, or ``None`` for plain text / unknown."""
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "zip"
        return "docx" if "word/document.xml" in names else "zip"
    if is_binary(data):
        return "binary"
    head = data[:4096].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or re.search(rb"<(?:html|body|head|p|div|h[1-6]|table)[\s>]", head):
        return "html"
    first_line = head.split(b"\n", 1)[0].strip()
    if first_line.startswith(b"{") and first_line.endswith(b"}"):
        return "jsonl"
    header = {c.strip().strip('"') for c in first_line.decode("utf-8", "replace").split(",")}
    if CSV_ID_COLUMN in header and header & set(CSV_TEXT_COLUMNS):
        return "csv"
    return None


def is_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: not a text file (UTF-16 with BOM is text)."""
    sample = data[:8192]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return control > len(sample) * 0.05


def detect_format(data: bytes, name: str) -> str:
    """One of ``text pdf docx html jsonl csv``; raises :class:`ParseError` otherwise."""
    if not data.strip():
        raise ParseError(name, "empty file")
    extension = PurePath(name).suffix.lower()
    sniffed = sniff(data)
    if not extension:
        if sniffed in ("zip", "binary"):
            raise ParseError(name, f"no file extension and unsupported {'ZIP' if sniffed == 'zip' else 'binary'} content")
        return sniffed or "text"
    declared = EXTENSIONS.get(extension)
    if declared is None:
        supported = " ".join(sorted(EXTENSIONS))
        raise ParseError(name, f"unsupported file type '{extension}' (supported: {supported})")
    if declared in ("pdf", "docx"):
        if sniffed != declared:
            raise ParseError(name, f"not a valid {declared.upper()} file (content looks like {sniffed or 'text'})")
        return declared
    if sniffed in ("pdf", "docx", "zip", "binary"):
        looks = "" if sniffed == "binary" else f", it looks like a {sniffed.upper()} file"
        raise ParseError(name, f"binary content in a {extension} file (not text{looks})")
    return declared


# --- text decoding -----------------------------------------------------------


def decode_text(data: bytes, name: str) -> tuple[str, list[str]]:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252 with a warning."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise ParseError(name, f"starts like UTF-16 but is not valid UTF-16 (byte {exc.start})") from None
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        warning = f"{name}: not valid UTF-8 (byte {exc.start}); read as cp1252"
        log.warning(warning)
        return data.decode("cp1252", errors="replace"), [warning]


# --- per-format readers ------------------------------------------------------


def _stem(name: str) -> str:
    return PurePath(name).stem


def read_text(data: bytes, name: str) -> ReadResult:
    text, warnings = decode_text(data, name)
    if not text.strip():
        raise ParseError(name, "no text in file")
    return ReadResult([RawDocument(_stem(name), text, warnings=warnings)])


def read_pdf(data: bytes, name: str) -> ReadResult:
    """Body text by layout (see :mod:`.pdftext`); pages without a text layer are named in a warning."""
    import pypdf

    from .pdftext import read_layout

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        layout = read_layout(reader)
    except Exception as exc:  # pypdf raises many types for broken files
        raise ParseError(name, f"unreadable PDF ({exc.__class__.__name__}: {exc})") from exc
    if not layout.body.strip():
        raise ParseError(name, "PDF has no text layer (a scanned image?): OCR is not supported, nothing was read")
    warnings = []
    if layout.empty_pages:
        pages = ", ".join(map(str, layout.empty_pages))
        warnings.append(f"{name}: page(s) {pages} have no text layer (scanned?): their content is missing")
        log.warning(warnings[-1])
    return ReadResult([RawDocument(_stem(name), layout.body, warnings=warnings,
                                   furniture=layout.furniture + layout.footnotes)])


def read_docx(data: bytes, name: str) -> ReadResult:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_docx_blocks(document))
    except Exception as exc:
        raise ParseError(name, f"unreadable DOCX ({exc.__class__.__name__}: {exc})") from exc
    text = "\n\n".join(b for b in blocks if b.strip())
    if not text.strip():
        raise ParseError(name, "DOCX holds no text")
    title = (document.core_properties.title or "").strip()
    return ReadResult([RawDocument(_stem(name), text, title=title)])


def _docx_blocks(document) -> Iterator[str]:
    """Paragraphs and tables in body order; Word's automatic list numbers are written out."""
    from docx.table import Table

    numbering = _DocxNumbering(document)
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            rows = [[cell.text.strip() for cell in row.cells] for row in block.rows]
            yield from _question_table(rows) or (" | ".join(row) for row in rows)
        else:
            yield numbering.prefix(block) + block.text


def _question_table(rows: list[list[str]]) -> list[str]:
    """A table with a ``Vraag`` column (and perhaps an ``Antwoord`` one): each row as ``Vraag N`` (/ ``Antwoord N``)."""
    if len(rows) < 2:
        return []
    header = [cell.lower() for cell in rows[0]]
    asked = next((i for i, cell in enumerate(header) if re.match(r"(?:schriftelijke\s+)?vra(?:ag|gen)\b", cell)), None)
    answered = next((i for i, cell in enumerate(header) if re.match(r"(?:beantwoording|antwoord)", cell)), None)
    if asked is None or asked == answered:
        return []
    blocks = []
    for count, row in enumerate(rows[1:], start=1):
        label = next((m.group(1) for cell in row[:1] if (m := re.fullmatch(r"(\d{1,3})[.)]?", cell))), str(count))
        blocks.append(f"Vraag {label}\n{row[asked]}")
        if answered is not None and row[answered]:
            blocks.append(f"Antwoord {label}\n{row[answered]}")
    return blocks


#: Word's list formats as the parser's numbering styles (see markers.number_label); "-" a bullet
_WORD_STYLES = {"decimal": "1", "lowerLetter": "a", "upperLetter": "A", "lowerRoman": "i", "upperRoman": "I",
                "bullet": "-"}


class _DocxNumbering:
    """Writes out Word's automatic list numbers (first level): ``1.``, ``a.``, ``I.``, bullets as ``-``."""

    def __init__(self, document) -> None:
        self.formats: dict[str, str] = {}
        self.counters: dict[str, int] = {}
        try:
            part = document.part.numbering_part
        except (KeyError, NotImplementedError, AttributeError):
            return
        root = part.element
        ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
        abstract = {}
        for node in root.findall("w:abstractNum", ns):
            level = node.find("w:lvl[@w:ilvl='0']/w:numFmt", ns)
            abstract[node.get(f"{{{ns['w']}}}abstractNumId")] = level.get(f"{{{ns['w']}}}val") if level is not None else ""
        for node in root.findall("w:num", ns):
            ref = node.find("w:abstractNumId", ns)
            if ref is not None:
                self.formats[node.get(f"{{{ns['w']}}}numId")] = abstract.get(ref.get(f"{{{ns['w']}}}val"), "")

    def prefix(self, paragraph) -> str:
        numbering = self._numbering_of(paragraph)
        if numbering is None or numbering.numId is None:
            return ""
        level = numbering.ilvl.val if numbering.ilvl is not None else 0
        num_id = str(numbering.numId.val)
        style = _WORD_STYLES.get(self.formats.get(num_id, ""))
        if level != 0 or style is None:
            return ""
        if style == "-":
            return "- "
        self.counters[num_id] = self.counters.get(num_id, 0) + 1
        return f"{number_label((self.counters[num_id],), style)}. "

    @staticmethod
    def _numbering_of(paragraph):
        """The paragraph's own list numbering, else its style's ("List Number")."""
        properties = paragraph._p.pPr
        if properties is not None and properties.numPr is not None:
            return properties.numPr
        style = paragraph.style
        while style is not None:
            style_properties = style.element.pPr
            if style_properties is not None and style_properties.numPr is not None:
                return style_properties.numPr
            style = style.base_style
        return None


_BLOCK_TAGS = ("p", "div", "section", "article", "header", "footer", "li", "tr", "table", "blockquote",
               "pre", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "main", "aside")


def read_html(data: bytes, name: str) -> ReadResult:
    from bs4 import BeautifulSoup

    markup, warnings = decode_text(data, name)
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.title:
        soup.title.decompose()
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    for ordered in soup.find_all("ol"):
        for number, item in enumerate(ordered.find_all("li", recursive=False), start=1):
            item.insert(0, f"{number}. ")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    text = re.sub(r"[ \t]+", " ", soup.get_text())
    text = re.sub(r"\s*\n\s*\n\s*", "\n\n", text).strip()
    if not text:
        raise ParseError(name, "HTML holds no text")
    return ReadResult([RawDocument(_stem(name), text, title=title, warnings=warnings)])


def read_jsonl(data: bytes, name: str) -> ReadResult:
    """Belgian Chamber export: ``doc_id``, ``depotdat``, ``aut_person``, ``aut_party``, ``question``, ``answer``."""
    text, warnings = decode_text(data, name)
    result = ReadResult()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            result.documents.append(_jsonl_record(json.loads(line), warnings))
        except (ValueError, TypeError, KeyError) as exc:
            result.errors.append(ParseError(f"{name}:{number}", f"bad record ({exc})"))
    if not result.documents and not result.errors:
        raise ParseError(name, "no records")
    return result


def content_id(text: str) -> str:
    """An id for a record that brings none. From its text, not its position: a line number
    would make line 1 of every id-less export replace line 1 of the one before."""
    return "text-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def check_unicode(value: object) -> None:
    """Raise UnicodeEncodeError (a ValueError) when parsed JSON holds a lone UTF-16 surrogate.

    JSON may spell one ("\\ud800") and Python accepts it, but no UTF-8 text can hold it:
    the store, the index and the content hash would each fail on it later.
    """
    json.dumps(value, ensure_ascii=False).encode("utf-8")


def _jsonl_record(record: dict, warnings: list[str]) -> RawDocument:
    if not isinstance(record, dict) or not isinstance(record.get(JSONL_TEXT_FIELD), str):
        raise ValueError(f"no '{JSONL_TEXT_FIELD}' text")
    check_unicode(record)
    title, _, body = record[JSONL_TEXT_FIELD].partition("\n\n")
    if not body.strip():
        title, body = "", title
    answer = record.get("answer")
    return RawDocument(
        external_id=str(record.get("doc_id") or content_id(record[JSONL_TEXT_FIELD])),
        text=body.strip(),
        answer_text=answer if isinstance(answer, str) and answer.strip() else None,
        is_question=True,
        title=title.strip(),
        submitted=parse_date(str(record.get("depotdat") or "")),
        authors=[_first_last(record["aut_person"])] if record.get("aut_person") else [],
        parties=[str(record["aut_party"]).strip()] if record.get("aut_party") else [],
        warnings=list(warnings),
    )


def _first_last(name: str) -> str:
    """``"Heeren, Veerle"`` -> ``"Veerle Heeren"``."""
    last, comma, first = str(name).partition(",")
    return f"{first.strip()} {last.strip()}" if comma and first.strip() else str(name).strip()


def read_csv(data: bytes, name: str) -> ReadResult:
    """Tweede Kamer export: ``name,text_content``, one document per row."""
    text, warnings = decode_text(data, name)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = set(reader.fieldnames or ())
    text_column = next((c for c in CSV_TEXT_COLUMNS if c in columns), None)
    if CSV_ID_COLUMN not in columns or text_column is None:
        raise ParseError(name, f"CSV needs columns '{CSV_ID_COLUMN}' and one of {CSV_TEXT_COLUMNS}, found {sorted(columns)}")
    result = ReadResult()
    for row_number, row in enumerate(reader, start=2):
        body = row.get(text_column) or ""
        if not body.strip():
            result.errors.append(ParseError(f"{name}:{row_number}", "row without text"))
            continue
        external_id = (row.get(CSV_ID_COLUMN) or "").strip() or content_id(body)
        result.documents.append(RawDocument(external_id, body, warnings=list(warnings)))
    return result


READERS: dict[str, Callable[[bytes, str], ReadResult]] = {
    "text": read_text,
    "pdf": read_pdf,
    "docx": read_docx,
    "html": read_html,
    "jsonl": read_jsonl,
    "csv": read_csv,
}


def read_bytes(data: bytes, name: str) -> ReadResult:
    """Detect the format and read it; every failure is a :class:`ParseError` naming ``name``."""
    return READERS[detect_format(data, name)](data, name)


def is_document_export(path_head: bytes, extension: str) -> bool:
    """For folder walks: does this ``.csv``/``.jsonl`` hold council documents?"""
    first_line = path_head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    if extension == ".jsonl":
        return f'"{JSONL_TEXT_FIELD}"'.encode() in first_line
    header = {c.strip().strip('"') for c in first_line.decode("utf-8", "replace").strip().split(",")}
    return CSV_ID_COLUMN in header and bool(header & set(CSV_TEXT_COLUMNS))
