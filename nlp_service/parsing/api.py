"""From files, bytes or text to :class:`~nlp_service.documents.Document` objects."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..documents import Document, Question
from . import metadata, sections
from .errors import ParseError
from .layout import Layout, split_layout
from .linker import link_answers
from .readers import EXTENSIONS, RawDocument, ReadResult, is_document_export, read_bytes

log = logging.getLogger(__name__)

#: folder walks skip these (case-insensitive name prefixes): documentation, not documents
SKIPPED_PREFIXES = ("readme", "license", "licence", "changelog", "notice", "index.")

ErrorHandler = Callable[[Path, Exception], None]


# --- assembling one document -------------------------------------------------


def build_document(raw: RawDocument, source: str, name: str, path: str | None = None) -> Document:
    """Split ``raw``'s layout, link its answers and gather the metadata."""
    layout = split_layout(raw.text, raw.answer_text, raw.is_question)
    links = link_answers(layout.questions, layout.answers)
    intro = _clean_intro(layout, raw)
    meta = _metadata(raw, layout, intro)
    return Document(
        source=source,
        external_id=raw.external_id,
        title=meta.title or intro.title or _title_from_name(raw.external_id),
        submitted=meta.submitted,
        answered=meta.answered,
        authors=meta.authors,
        parties=meta.parties,
        intro=intro.text,
        questions=[Question(q.label, q.text, a) for q, a in zip(layout.questions, links.answers)],
        other="\n\n".join(p for p in [*intro.pulled, *layout.other, *links.unlinked, *raw.furniture] if p.strip()),
        path=path,
        warnings=raw.warnings + [f"{name}: {w}" for w in layout.warnings + links.warnings],
    )


@dataclass
class _Intro:
    """The intro without what is not introduction; what left it is kept in ``pulled`` (for ``other``)."""

    text: str
    title: str = ""
    label_lines: list[str] = field(default_factory=list)
    signed: list[str] = field(default_factory=list)  # signature lines found in the intro
    answer_part: str = ""  # from an answer-section heading that landed in the intro
    pulled: list[str] = field(default_factory=list)


def _clean_intro(layout: Layout, raw: RawDocument) -> _Intro:
    """Labels, headings, signature lines, a repeated question list and an answer heading leave the intro."""
    text, answer_part = _cut_answer_heading(layout.intro)
    text, labels = _pull_label_lines(text)
    text, headings, signed = sections.pull_intro_parts(text)
    text, repeated = sections.pull_repeated_questions(text, [q.text for q in layout.questions])
    if layout.questions:  # a signature under a question list that was asked again with the answers
        text, tail = sections.split_signature(text)
        signed += tail
    title, text = ("", text) if raw.title or _has_title_label(labels) else sections.title_line(text)
    return _Intro(text, title, labels, signed, answer_part, [*labels, *headings, *repeated, *signed, answer_part])


def _cut_answer_heading(intro: str) -> tuple[str, str]:
    """``Antwoord van het college d.d. <date>`` above answers to unnumbered questions: not introduction."""
    headings = (m for m in sections.ANSWER_SECTION.finditer(intro)
                if intro[: m.start()].strip()  # the first line is the letter's title ("Beantwoording van ...")
                and not metadata.label_lines(intro[m.start():].split("\n", 1)[0]))
    heading = next(headings, None)  # "Antwoorddatum: ..." among the header labels is a label, not a heading
    if not heading:
        return intro, ""
    return intro[: heading.start()].rstrip(), intro[heading.start():].strip()


def _pull_label_lines(intro: str) -> tuple[str, list[str]]:
    """``Indiendatum: ...`` / ``Door: ...`` / ``Leiden, 3 maart 2024`` lines leave the intro (their values
    become fields)."""
    found = sorted(metadata.label_lines(intro) + metadata.place_date_lines(intro), key=lambda m: m.start())
    for match in reversed(found):
        intro = intro[: match.start()] + intro[match.end():]
    return re.sub(r"\n{3,}", "\n\n", intro).strip(), [m.group(0).strip() for m in found]


def _has_title_label(label_lines: list[str]) -> bool:
    return bool(metadata.from_labels("\n".join(label_lines)).title)


def _metadata(raw: RawDocument, layout: Layout, intro: _Intro) -> metadata.Metadata:
    """Labels before the questions, then those after them (an unspecific ``Datum:`` there dates the answer)."""
    meta = metadata.Metadata(raw.title, raw.submitted, None, list(raw.authors), list(raw.parties))
    meta.fill_from(metadata.from_labels("\n".join(intro.label_lines)))
    meta.fill_from(metadata.from_parliament_header(layout.intro))
    meta.fill_from(metadata.from_labels("\n".join([intro.answer_part, *layout.other]), after_questions=True))
    signed = metadata.from_signature(intro.signed + layout.signature, meta.authors)
    meta.authors = list(dict.fromkeys(meta.authors + signed.authors))
    meta.parties = list(dict.fromkeys(meta.parties + signed.parties))
    return meta


def _title_from_name(external_id: str) -> str:
    """``2020-02-03-sociaal-scheefwonen`` -> ``Sociaal scheefwonen``."""
    stem = Path(external_id).stem if Path(external_id).suffix.lower() in EXTENSIONS else external_id
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}[-_ ]*", "", stem)
    words = re.sub(r"[_\-\s]+", " ", stem).strip()
    return words[:1].upper() + words[1:]


# --- public API --------------------------------------------------------------


def parse_text(text: str, source: str, external_id: str, title: str = "") -> Document:
    """One document from plain text (e.g. a pasted question)."""
    return build_document(RawDocument(external_id, text, title=title), source, external_id)


def parse_bytes(data: bytes, filename: str, source: str, on_error: ErrorHandler | None = None) -> list[Document]:
    """Documents in an uploaded file; the format comes from its content and name.

    A bad record in an export goes to ``on_error`` (default: the log) and is skipped.
    """
    result = read_bytes(data, filename)
    return _documents(result, source, filename, None, on_error or _log_error)


def parse_path(path: Path, source: str | None = None) -> list[Document]:
    """Documents in one file; ``source`` defaults to the name of its folder.

    A bad record in an export is logged and skipped; a file that yields nothing
    raises :class:`ParseError`.
    """
    path = Path(path)
    return _documents(_read_path(path), source or _default_source(path), path.name, str(path), _log_error)


def iter_documents(
    paths: Iterable[Path],
    source: str | None = None,
    on_error: ErrorHandler | None = None,
    progress: bool = False,
) -> Iterator[Document]:
    """Documents from files and folders; a bad file is reported to ``on_error`` and skipped."""
    report = on_error or _log_error
    files = list(walk(paths, report))
    for path in _progress(files, progress):
        try:
            result = _read_path(path)
            yield from _documents(result, source or _default_source(path), path.name, str(path), report)
        except ParseError as exc:
            report(path, exc)
        except Exception as exc:  # a bug must not stop a batch either; it is reported, not hidden
            report(path, ParseError(str(path), f"unexpected {exc.__class__.__name__}: {exc}"))


def walk(paths: Iterable[Path], on_error: ErrorHandler | None = None) -> Iterator[Path]:
    """Files to parse: named files as given; folders recursively, document files only.

    In a folder, a file is read when its extension is one the readers know,
    its name does not start with ``.``, ``README``, ``LICENSE``, ``CHANGELOG``,
    ``NOTICE`` or ``index.``, and, for ``.csv``/``.jsonl``, its first line shows
    a document export (``name,text_content`` columns; a ``question`` field).
    """
    for path in map(Path, paths):
        if path.is_dir():
            yield from (p for p in sorted(path.rglob("*")) if p.is_file() and _is_document_file(p))
        elif path.exists():
            yield path
        elif on_error:
            on_error(path, ParseError(str(path), "no such file or folder"))


def _is_document_file(path: Path) -> bool:
    name, extension = path.name.lower(), path.suffix.lower()
    if name.startswith(".") or name.startswith(SKIPPED_PREFIXES) or extension not in EXTENSIONS:
        return False
    if extension in (".csv", ".jsonl"):
        with path.open("rb") as handle:
            return is_document_export(handle.read(65536), extension)
    return True


# --- helpers -----------------------------------------------------------------


def _read_path(path: Path) -> ReadResult:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(str(path), f"cannot read file ({exc.strerror or exc})") from None
    return read_bytes(data, str(path))


def _documents(result: ReadResult, source: str, name: str, path: str | None, report: ErrorHandler) -> list[Document]:
    for error in result.errors:
        report(Path(path or name), error)
    if not result.documents:
        raise result.errors[0] if result.errors else ParseError(path or name, "no documents found")
    documents = [build_document(raw, source, _record_name(name, raw, result), path) for raw in result.documents]
    _share_submission_dates(documents)
    return documents


_CASE_NUMBER = re.compile(r"\b(20\d\d)Z\s?(\d{5})\b")


def _share_submission_dates(documents: list[Document]) -> None:
    """An answer without submission date takes it from the question document of one export with its case
    number (the first ``2024Z18792`` of the header; one named further on may be another case's)."""
    def case(document: Document) -> str | None:
        match = _CASE_NUMBER.search(document.intro[:500])
        return match.group(1) + "Z" + match.group(2) if match else None

    dated = {case(d): d.submitted for d in documents if d.submitted and case(d)}
    for document in documents:
        if not document.submitted and case(document) in dated:
            document.submitted = dated[case(document)]


def _record_name(name: str, raw: RawDocument, result: ReadResult) -> str:
    return name if len(result.documents) == 1 else f"{name}#{raw.external_id}"


def _default_source(path: Path) -> str:
    return path.resolve().parent.name


def _log_error(path: Path, exc: Exception) -> None:
    log.warning("%s", exc)


def _progress(files: list[Path], enabled: bool) -> Iterable[Path]:
    if not enabled:
        return files
    from tqdm import tqdm

    return tqdm(files, unit="file", desc="parsing")
