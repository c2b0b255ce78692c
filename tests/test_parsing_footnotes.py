"""Footnote bodies stay out of question and answer text (Tweede Kamer export, text evidence); TK titles and dates."""
from __future__ import annotations

import re

import pytest

from nlp_service.parsing import parse_path, parse_text
from nlp_service.parsing.dates import DATE_PATTERN
from nlp_service.parsing.footnotes import split_footnotes

from test_parsing_corpus import TK, tk_rows

#: an independent reading: a line opening with a footnote number (glued, or "1)"), a source, and a date
FOOTNOTE_BODY = re.compile(rf"^\s*\d{{1,2}}(?:\)\s*|(?=[A-Z«“\"']))[^\n]{{0,120}}?{DATE_PATTERN}", re.MULTILINE | re.IGNORECASE)


def test_no_footnote_body_in_tweedekamer_questions_or_answers() -> None:
    _, index = tk_rows()
    wanted = {row["name"] for row in index if row["kind"] in ("ah_qa", "docx_qa", "kv_questions_only")}
    documents = [d for d in parse_path(TK / "documents.csv") if d.external_id in wanted]
    assert len(documents) == len(wanted) >= 70
    found = [(d.external_id, q.number, m.group(0)) for d in documents for q in d.questions
             for text in (q.text, q.answer or "") for m in FOOTNOTE_BODY.finditer(text)]
    assert not found, found[:5]
    moved = sum(bool(FOOTNOTE_BODY.search(d.other)) for d in documents)
    assert moved >= 15  # the bodies were not lost: they are in 'other'


def test_footnote_body_leaves_a_question_and_its_mark_is_dropped() -> None:
    text = ("Vraag 1\nBent u bekend met het bericht «Zorgpremies stijgen»1?\n"
            "1NOS, 12 november 2024, Zorgpremies stijgen (https://nos.nl/artikel/\n2544874-zorgpremies)\n"
            "Antwoord 1\nJa, zie artikel 1 van de wet.\n")
    document = parse_text(text, "t", "fn")
    [question] = document.questions
    assert question.text == "Bent u bekend met het bericht «Zorgpremies stijgen»?"
    assert question.answer == "Ja, zie artikel 1 van de wet."
    assert "1NOS, 12 november 2024" in document.other and "2544874-zorgpremies" in document.other


@pytest.mark.parametrize("line", [
    "1 In 2024 kwamen 40 meldingen binnen.",  # a numbered sentence, not glued
    "2De vraag is of dit klopt?",  # glued, but it cites nothing
    "1ste kwartaal van 2024 was de omzet hoger.",  # an ordinal: no ", <date>" after a source
])
def test_lines_that_are_not_footnotes_stay(line: str) -> None:
    assert split_footnotes(line) == (line, [])


def test_tweedekamer_titles_whole_and_dates_found_where_the_text_holds_them() -> None:
    texts, index = tk_rows()
    kinds = {row["name"]: row["kind"] for row in index}
    documents = {d.external_id: d for d in parse_path(TK / "documents.csv")}
    restitutie = documents["Het_verdwijnen_van_de_restitutiepolis_en.pdf"]
    assert restitutie.title == "het verdwijnen van de restitutiepolis en de gevolgen voor ggz-patiënten"
    zorg = documents["Zorg_voor_zwangere_vrouwen_en_baby’s_in_.pdf"]
    assert zorg.title == "zorg voor zwangere vrouwen en baby’s in aanmeldcentrum en AZC’s"
    # questions-only documents all carry a header "... over <title> (ingezonden ...)": the title runs up to it
    for name, kind in kinds.items():
        if kind == "kv_questions_only":
            header = re.sub(r"\s+", " ", texts[name][:1500])
            assert re.search(re.escape(documents[name].title) + r"\s*\(ingezonden", header), name
    # "Op 6 november jl. hebben de leden ... vragen gesteld", answered 20 november 2024
    assert documents["Uitstel_beantwoording_vragen_van_de_lede.docx"].submitted == "2024-11-06"
    # the answer shares case 2024Z18792 with the questions document of the same export
    assert documents["Antwoord_op_vragen_van_het_lid_Boswijk_o.docx"].submitted == "2024-11-19"
    assert sum(d.submitted is None for d in documents.values()) <= 14


def test_tweedekamer_documents_without_answers_get_none() -> None:
    """A restart of the numbering after the questions may start answers; a "1) source, date" footnote never does."""
    texts, _ = tk_rows()
    documents = parse_path(TK / "documents.csv")
    silent = [d for d in documents if not re.search(r"\bAntwoord", texts[d.external_id])]
    assert len(silent) >= 30
    assert not [(d.external_id, q.number) for d in silent for q in d.questions if q.answer is not None]
