"""Readers and the file-level API: formats, sniffing, errors, folder walks, the CLI command."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import docx
import pytest

from nlp_service.parsing import ParseError, iter_documents, parse_bytes, parse_path, parse_text

QUESTIONS = ["Is het college bekend met het bericht?", "Welke maatregelen neemt het college?"]
ANSWERS = ["Ja, het college is bekend met het bericht.", "Het college overlegt met de corporaties."]
LEIDEN_LINES = [
    "Indiendatum: 3 februari 2020",
    "Door: Anna de Vries",
    "Wij lazen vandaag een bericht over de wijk.",
    "Vragen:",
    f"1. {QUESTIONS[0]}",
    f"2. {QUESTIONS[1]}",
    "Anna de Vries",
    "GroenLinks",
    "Antwoorddatum: 11 maart 2020",
    QUESTIONS[0],
    f"Antwoord: {ANSWERS[0]}",
    QUESTIONS[1],
    f"Antwoord: {ANSWERS[1]}",
]


def assert_leiden(document) -> None:
    assert [q.number for q in document.questions] == ["1", "2"]
    assert [q.text for q in document.questions] == QUESTIONS
    assert [q.answer for q in document.questions] == ANSWERS
    assert document.submitted == "2020-02-03" and document.answered == "2020-03-11"
    assert document.authors == ["Anna de Vries"] and document.parties == ["GroenLinks"]


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with one text object, one line per entry (Helvetica, WinAnsi)."""
    def escape(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 11 Tf 14 TL 72 760 Td " + " ".join(f"({escape(line)}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        f"<< /Length {len(content.encode('cp1252'))} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("cp1252")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def leiden_docx(auto_numbered: bool) -> bytes:
    document = docx.Document()
    document.core_properties.title = "Sociaal scheefwonen"
    for line in LEIDEN_LINES:
        if auto_numbered and line[:2] in ("1.", "2."):
            document.add_paragraph(line[3:], style="List Number")  # Word numbers these itself
        else:
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- one reader per format ---------------------------------------------------


def test_txt(tmp_path: Path) -> None:
    path = tmp_path / "leiden" / "2020-02-03-scheefwonen.txt"
    path.parent.mkdir()
    path.write_text("\n\n".join(LEIDEN_LINES), encoding="utf-8")
    [document] = parse_path(path)
    assert_leiden(document)
    assert document.source == "leiden" and document.external_id == "2020-02-03-scheefwonen"
    assert document.title == "Scheefwonen" and document.path == str(path)


def test_pdf(tmp_path: Path) -> None:
    path = tmp_path / "vragen.pdf"
    path.write_bytes(minimal_pdf(LEIDEN_LINES))
    [document] = parse_path(path, source="pdfs")
    assert_leiden(document)
    assert document.source == "pdfs"


@pytest.mark.parametrize("auto_numbered", [False, True])
def test_docx(tmp_path: Path, auto_numbered: bool) -> None:
    path = tmp_path / "vragen.docx"
    path.write_bytes(leiden_docx(auto_numbered))
    [document] = parse_path(path)
    assert_leiden(document)
    assert document.title == "Sociaal scheefwonen"


def test_html() -> None:
    body = "".join(f"<p>{line}</p>" for line in LEIDEN_LINES[:4])
    items = "".join(f"<li>{q}</li>" for q in QUESTIONS)  # an <ol> numbers its items itself
    rest = "".join(f"<p>{line}</p>" for line in LEIDEN_LINES[6:])
    head = "<head><title>Scheefwonen</title><script>var x = 1;</script></head>"
    page = f"<!DOCTYPE html><html>{head}<body>{body}<ol>{items}</ol>{rest}</body></html>"
    [document] = parse_bytes(page.encode(), "vragen.html", "web")
    assert_leiden(document)
    assert document.title == "Scheefwonen" and "var x" not in document.other + document.intro


def test_jsonl_export_with_a_bad_record(tmp_path: Path) -> None:
    good = {"doc_id": 7, "depotdat": "2017-02-01", "aut_person": "Heeren, Veerle", "aut_party": "CD&V",
            "question": "Titel van de vraag.\n\n Inleiding. 1. Hoeveel?2. Waarom?", "answer": "1. Tien. 2. Daarom."}
    unanswered = dict(good, doc_id=8, answer=None)
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join([json.dumps(good), "{not json", json.dumps(unanswered)]), encoding="utf-8")
    errors: list[tuple[Path, Exception]] = []
    documents = list(iter_documents([path], on_error=lambda p, e: errors.append((p, e))))
    assert [d.external_id for d in documents] == ["7", "8"]
    first = documents[0]
    assert first.title == "Titel van de vraag." and first.submitted == "2017-02-01"
    assert first.authors == ["Veerle Heeren"] and first.parties == ["CD&V"]
    assert [(q.number, q.text, q.answer) for q in first.questions] == [("1", "Hoeveel?", "Tien."), ("2", "Waarom?", "Daarom.")]
    assert [q.answer for q in documents[1].questions] == [None, None]
    [(error_path, error)] = errors
    assert isinstance(error, ParseError) and "questions.jsonl:2" in str(error)


def test_a_jsonl_record_with_an_unpaired_surrogate_is_reported_and_skipped() -> None:
    """JSON may escape a lone surrogate ("\\udc80"); no UTF-8 text holds one, so the record is bad."""
    lines = [json.dumps({"doc_id": "a1", "question": "Titel\n\nKlopt dit \udc80?"}),
             json.dumps({"doc_id": "a2", "question": "Titel\n\nHoeveel?"})]
    errors: list[tuple[Path, Exception]] = []
    documents = parse_bytes("\n".join(lines).encode(), "q.jsonl", "x", on_error=lambda p, e: errors.append((p, e)))
    assert [d.external_id for d in documents] == ["a2"]
    [(_, error)] = errors
    assert "q.jsonl:1" in str(error) and "surrogates not allowed" in str(error)


def test_records_without_an_id_are_named_by_their_text_not_their_position() -> None:
    """Line 1 of one id-less export must not replace line 1 of another on upload."""
    first = parse_bytes(json.dumps({"question": "Titel\n\nHoeveel meeuwen?"}).encode(), "a.jsonl", "upload")
    second = parse_bytes(json.dumps({"question": "Titel\n\nHoeveel duiven?"}).encode(), "b.jsonl", "upload")
    again = parse_bytes(json.dumps({"question": "Titel\n\nHoeveel meeuwen?"}).encode(), "c.jsonl", "upload")
    assert first[0].external_id != second[0].external_id
    assert first[0].external_id == again[0].external_id and first[0].external_id.startswith("text-")
    rows = parse_bytes(b"name,text_content\n,\"1. Waarom?\"\n,\"1. Wanneer?\"\n", "documents.csv", "tk")
    assert len({d.external_id for d in rows}) == 2


def test_csv_export() -> None:
    data = "name,text_content\nvragen_a.pdf,\"Vraag 1\nHoeveel?\nAntwoord 1\nTien.\"\nvragen_b.docx,\"1. Waarom?\"\n"
    documents = parse_bytes(data.encode(), "documents.csv", "tk")
    assert [d.external_id for d in documents] == ["vragen_a.pdf", "vragen_b.docx"]
    assert [(q.number, q.answer) for q in documents[0].questions] == [("1", "Tien.")]


def test_cp1252_text_is_read_with_a_warning() -> None:
    [document] = parse_bytes("1. Waarom is café Éen dicht?\n2. Wanneer?".encode("cp1252"), "oud.txt", "x")
    assert document.questions[0].text == "Waarom is café Éen dicht?"
    assert any("oud.txt" in w and "cp1252" in w for w in document.warnings)


def test_format_is_sniffed_without_extension() -> None:
    assert parse_bytes(minimal_pdf(["1. Waarom?", "2. Wanneer?"]), "upload", "x")[0].questions[1].text == "Wanneer?"
    assert len(parse_bytes(leiden_docx(False), "upload", "x")[0].questions) == 2
    assert parse_bytes(b"<html><body><p>1. Waarom?</p><p>2. Wanneer?</p></body></html>", "upload", "x")[0].questions


def test_parse_text() -> None:
    document = parse_text("\n\n".join(LEIDEN_LINES), "leiden", "plak-1", title="Geplakt")
    assert_leiden(document)
    assert document.title == "Geplakt" and document.external_id == "plak-1"


# --- errors name the file ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("leeg.txt", b"", "empty"),
        ("spaties.txt", b"   \n\n ", "empty"),
        ("binair.txt", b"\x00\x01\x02\x03 data \x00", "binary"),
        ("eigenlijk-pdf.txt", minimal_pdf(["1. Waarom?"]), "PDF"),
        ("vragen.xyz", b"1. Waarom?", "unsupported file type '.xyz'"),
        ("vragen.doc", b"1. Waarom?", "unsupported"),
        ("nep.pdf", b"1. Waarom?", "not a valid PDF"),
        ("kapot.pdf", b"%PDF-1.4\n garbage", "PDF"),
        ("nep.docx", b"1. Waarom?", "not a valid DOCX"),
        ("geen-word.docx", None, "DOCX"),
        ("tabel.csv", b"a,b\n1,2\n", "CSV needs columns"),
    ],
)
def test_bad_files_raise_parse_error_naming_the_file(tmp_path: Path, name: str, data: bytes | None, reason: str) -> None:
    if data is None:  # a ZIP that is not a Word document
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hi")
        data = buffer.getvalue()
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ParseError) as caught:
        parse_path(path)
    assert name in str(caught.value) and reason in str(caught.value)


def test_missing_file_is_a_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="nergens.txt"):
        parse_path(tmp_path / "nergens.txt")


# --- batches -----------------------------------------------------------------


def make_folder(root: Path) -> Path:
    data = root / "data"
    (data / "gemeente").mkdir(parents=True)
    (data / "README.md").write_text("# notes\n1. Waarom?\n2. Wanneer?")
    (data / "gemeente" / "index.tsv").write_text("row\tname\n")
    (data / "gemeente" / "same_title_groups.json").write_text("[]")
    (data / "gemeente" / ".hidden.txt").write_text("1. Waarom?\n2. Wanneer?")
    (data / "gemeente" / "faq.csv").write_text("question,answer\nWaarom?,Daarom.\n")  # not a document export
    (data / "gemeente" / "goed.txt").write_text("\n\n".join(LEIDEN_LINES))
    (data / "gemeente" / "kapot.pdf").write_bytes(b"%PDF-1.4 broken")
    (data / "gemeente" / "leeg.txt").write_bytes(b"")
    return data


def test_iter_documents_skips_non_documents_and_survives_bad_files(tmp_path: Path) -> None:
    errors: list[tuple[Path, Exception]] = []
    documents = list(iter_documents([make_folder(tmp_path)], on_error=lambda p, e: errors.append((p, e))))
    assert [(d.source, d.external_id) for d in documents] == [("gemeente", "goed")]
    assert sorted(p.name for p, _ in errors) == ["kapot.pdf", "leeg.txt"]
    assert all(isinstance(e, ParseError) and p.name in str(e) for p, e in errors)


def test_iter_documents_source_override_and_progress(tmp_path: Path, capsys) -> None:
    folder = make_folder(tmp_path)
    documents = list(iter_documents([folder / "gemeente" / "goed.txt"], source="eigen", progress=True))
    assert [d.source for d in documents] == ["eigen"]
    err = capsys.readouterr().err  # the tqdm bar goes to stderr
    assert "parsing" in err and "1/1" in err, err
    list(iter_documents([folder / "gemeente" / "goed.txt"], progress=False))
    assert capsys.readouterr().err == ""


def test_cli_parse_json_and_errors(tmp_path: Path, cli) -> None:
    folder = make_folder(tmp_path)
    result = cli("parse", "--json", folder)
    assert result.exit_code == 0
    [record] = json.loads(result.stdout)
    assert record["external_id"] == "goed" and record["questions"][0]["answer"] == ANSWERS[0]
    assert set(record) == {"source", "external_id", "title", "submitted", "answered", "authors", "parties", "intro", "questions"}
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and "Traceback" not in result.stderr


def test_cli_parse_outline_and_total_failure(tmp_path: Path, cli) -> None:
    folder = make_folder(tmp_path)
    outline = cli("parse", folder / "gemeente" / "goed.txt")
    assert outline.exit_code == 0 and "1. Is het college bekend" in outline.stdout and "-> Ja, het college" in outline.stdout
    failed = cli("parse", folder / "gemeente" / "kapot.pdf")
    assert failed.exit_code != 0 and "kapot.pdf" in failed.stderr and "Traceback" not in failed.stderr
