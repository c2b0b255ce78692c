"""The parser on letters it was not written for: tests/letters/ (see make_letters.py there).

Each letter comes with ``<name>.json``, its expected split: every question
found (number, first and last words: nothing cut, nothing glued), every answer
linked to its own question, authors, parties and both dates; headers,
footers, footnote bodies and signatures in no question, answer or intro.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nlp_service.parsing import ParseError, parse_path

LETTERS = Path(__file__).parent / "letters"
FILES = sorted(p for p in LETTERS.iterdir() if p.suffix in (".txt", ".docx", ".pdf"))


def flat(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def test_there_are_enough_layouts() -> None:
    assert len(FILES) >= 14 and {p.suffix for p in FILES} == {".txt", ".docx", ".pdf"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_letter_split(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    [document] = parse_path(path)
    assert [q.number for q in document.questions] == [q["number"] for q in expected["questions"]]
    for question, want in zip(document.questions, expected["questions"]):
        text = flat(question.text)
        assert text.startswith(want["starts"]) and text.endswith(want["ends"]), (question.number, text)
        if want["answer"] is None:
            assert question.answer is None, (question.number, question.answer)
        else:
            assert flat(question.answer).startswith(want["answer"]), (question.number, question.answer)
    assert document.authors == expected["authors"]
    assert document.parties == expected["parties"]
    assert (document.submitted, document.answered) == (expected["submitted"], expected["answered"])
    if "title" in expected:
        assert document.title == expected["title"]
    intro = flat(document.intro)
    assert intro.startswith(expected["intro_starts"]), intro[:80]
    for question in expected["questions"]:
        assert question["starts"] not in intro, "the question list is stored once, with its answers"
    texts = [intro] + [flat(q.text) for q in document.questions] + [flat(q.answer) for q in document.questions]
    for absent in expected["absent"]:
        assert not any(absent in text for text in texts), absent


def test_scanned_pdf_names_the_file() -> None:
    path = LETTERS / "scanned" / "zonder-tekstlaag.pdf"
    with pytest.raises(ParseError, match="zonder-tekstlaag.pdf.*no text layer"):
        parse_path(path)


def test_docx_question_table_without_answer_column() -> None:
    """A "Nr | Vraag" table lists the questions; the numbers come from the first column."""
    import io

    import docx

    from nlp_service.parsing import parse_bytes

    document = docx.Document()
    document.add_paragraph("Indiendatum: 3 maart 2024")
    document.add_paragraph("Het park is vies.")
    table = document.add_table(rows=3, cols=2)
    rows = [["Nr", "Vraag"], ["1", "Is het college bekend met het vuil?"], ["2", "Gaat het college schoonmaken?"]]
    for row, cells in zip(table.rows, rows):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    data = io.BytesIO()
    document.save(data)
    [parsed] = parse_bytes(data.getvalue(), "tabel.docx", "test")
    assert [(q.number, q.text, q.answer) for q in parsed.questions] == [
        ("1", "Is het college bekend met het vuil?", None), ("2", "Gaat het college schoonmaken?", None)]
    assert parsed.intro == "Het park is vies." and parsed.submitted == "2024-03-03"


@pytest.mark.parametrize("party", ["Testpartij", "Sleutelstad Nu", "Lokaal Leiden"])
def test_a_party_line_under_the_name_is_not_part_of_the_last_question(party: str) -> None:
    from nlp_service.parsing import parse_text

    text = f"Vragen:\n1. Is het park schoon?\n2. Komen er bankjes?\n\nTest Raadslid\n{party}\n"
    document = parse_text(text, "test", "signed")
    assert [q.text for q in document.questions] == ["Is het park schoon?", "Komen er bankjes?"]
    assert document.authors == ["Test Raadslid"] and document.parties == [party]


def test_reactie_college_after_each_question() -> None:
    from nlp_service.parsing import parse_text

    text = ("Door: Jan Bakker (D66)\nIndiendatum: 2 mei 2024\n\n1. Wanneer gaat het zwembad open?\n"
            "Reactie college: In juni.\n\n2. Wat kost een abonnement?\nReactie college: 25 euro per maand.\n")
    document = parse_text(text, "test", "reactie")
    assert [(q.number, q.answer) for q in document.questions] == [("1", "In juni."), ("2", "25 euro per maand.")]
