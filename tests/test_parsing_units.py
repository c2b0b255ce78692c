"""Small pieces: dates, number lists, numbering markers, the splitter and the linker on hand-made text."""
from __future__ import annotations

import pytest

from nlp_service.parsing import parse_text
from nlp_service.parsing.dates import parse_date
from nlp_service.parsing.layout import AnswerBlock, QuestionItem, split_layout
from nlp_service.parsing.linker import link_answers
from nlp_service.parsing.markers import parse_number_list
from nlp_service.parsing.metadata import split_names_and_parties


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("3 februari 2020", "2020-02-03"),
        ("Indiendatum: 11 maart 2020", "2020-03-11"),
        ("03-02-2020", "2020-02-03"),
        ("3/2/2020", "2020-02-03"),
        ("2020-02-03", "2020-02-03"),
        ("(ontvangen 18 november2024)", "2024-11-18"),
        ("3 feb. 2020", "2020-02-03"),
        ("31 februari 2020", None),
        ("geen datum", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("3", [3]), ("3 en 4", [3, 4]), ("1, 2 en 3", [1, 2, 3]), ("2 t/m 4", [2, 3, 4]), ("4-7", [4, 5, 6, 7]),
     ("2 tot en met 5", [2, 3, 4, 5]), ("1,2,3,4 en 5", [1, 2, 3, 4, 5]), ("1 en 4", [1, 4])],
)
def test_parse_number_list(text: str, numbers: list[int]) -> None:
    assert parse_number_list(text) == numbers


def test_party_lists_hold_no_extraction_junk() -> None:
    """Footnotes and sentences read as parties in the Tweede Kamer headers are left out; real names stay."""
    text = "Bente Becker (VVD), Jan Jansen (Klimaatzaak tussen Milieudefensie en Shell?1 2) en Piet Post (PTB-GO!)"
    assert split_names_and_parties(text)[1] == ["VVD", "PTB-GO!"]
    assert split_names_and_parties("Ans Aa (Suriname beheerd»?1)")[1] == []


def test_names_and_parties() -> None:
    assert split_names_and_parties("Van den Hil (VVD) en Bikker (ChristenUnie)") == (["Van den Hil", "Bikker"], ["VVD", "ChristenUnie"])
    assert split_names_and_parties("Kröger en Gabriëls (beiden GroenLinks-PvdA)") == (["Kröger", "Gabriëls"], ["GroenLinks-PvdA"])
    assert split_names_and_parties("A. Jansen, B. de Wit en C. Bos") == (["A. Jansen", "B. de Wit", "C. Bos"], [])


def numbers_and_answers(document) -> list[tuple[str, str | None]]:
    return [(q.number, q.answer) for q in document.questions]


def test_inline_numbering_is_not_fooled_by_references_dates_and_amounts() -> None:
    text = ("Volgens art. 2. van de wet en punt 3. van het akkoord kost dit 1.000 euro (stand 01.02.2017). "
            "1. Klopt dat?2. Hoeveel kost het sinds 2016. Graag per jaar?3. Wanneer volgt de evaluatie?")
    document = parse_text(text, "be", "x")
    assert [q.number for q in document.questions] == ["1", "2", "3"]
    assert document.questions[1].text == "Hoeveel kost het sinds 2016. Graag per jaar?"
    assert document.intro.startswith("Volgens art. 2.")


def test_sub_items_stay_inside_their_question() -> None:
    document = parse_text("1. a) Hoeveel?b) Waar?2. Waarom?", "be", "x")
    assert [(q.number, q.text) for q in document.questions] == [("1", "a) Hoeveel?b) Waar?"), ("2", "Waarom?")]


@pytest.mark.parametrize(
    "layout",
    [
        "Vraag 1\nHoeveel?\nVraag 2\nWaar?\nVraag 3\nWaarom?\nAntwoord 1\nTien.\nAntwoord 2 en 3\nHier, daarom.",
        "1. Hoeveel?\n\nAntwoord:\nTien.\n\n2. Waar?\n\n3. Waarom?\n\nAntwoord op vraag 2 en 3:\nHier, daarom.",
        "Vraag 1: Hoeveel?\nAntwoord op vraag 1\nTien.\nVraag 2: Waar?\nVraag 3: Waarom?\nAntwoord op vraag 2 t/m 3\nHier, daarom.",
        "1) Hoeveel?\n2) Waar?\n3) Waarom?\n\nAd 1)\nTien.\nAd 2 en 3)\nHier, daarom.",
        "1\nHoeveel?\n\nAntwoord\nTien.\n\n2\nWaar?\n\n3\nWaarom?\n\nAntwoord\nHier, daarom.",
    ],
)
def test_interleaved_layouts_and_combined_answers(layout: str) -> None:
    document = parse_text(layout, "x", "x")
    assert numbers_and_answers(document) == [("1", "Tien."), ("2", "Hier, daarom."), ("3", "Hier, daarom.")]


def test_separate_answers_inline_combined_and_late_start() -> None:
    questions = "1. Hoeveel?2. Waar?3. Waarom?4. Wanneer?"
    assert numbers_and_answers(parse_text(questions, "x", "x"))[0] == ("1", None)
    layout = split_layout(questions, "Dat is bekend.2. en 3. Hier, daarom. 4. Morgen.")
    document = link_answers(layout.questions, layout.answers)
    assert document.answers == ["Dat is bekend.", "Hier, daarom.", "Hier, daarom.", "Morgen."]


def test_unnumbered_answer_answers_every_question() -> None:
    layout = split_layout("1. Hoeveel?2. Waar?", "Het geheel wordt onderzocht.")
    assert link_answers(layout.questions, layout.answers).answers == ["Het geheel wordt onderzocht."] * 2


def test_postponement_notice_gives_no_answers() -> None:
    text = ("Vraag 1\nHoeveel?\nVraag 2\nWaarom?\nMededeling\nDe vragen kunnen niet binnen de gebruikelijke "
            "termijn worden beantwoord.")
    document = parse_text(text, "tk", "uitstel")
    assert numbers_and_answers(document) == [("1", None), ("2", None)]
    assert "gebruikelijke termijn" in document.other


def test_unsplittable_documents_are_kept_whole_with_a_warning() -> None:
    body = "Wij maken ons zorgen over de wijk. Wat gaat het college doen? En wanneer?"
    asking = parse_text(body, "x", "vraag-7")
    assert [(q.number, q.text) for q in asking.questions] == [("1", body)]
    assert asking.warnings and "vraag-7" in asking.warnings[0]
    notice = parse_text("De beantwoording wordt uitgesteld.", "x", "bericht-8")
    assert notice.questions == [] and notice.intro == "De beantwoording wordt uitgesteld."
    assert notice.warnings and "bericht-8" in notice.warnings[0]


def test_answer_to_a_missing_question_is_kept() -> None:
    links = link_answers([QuestionItem((1,), "Hoeveel?")], [AnswerBlock("Tien.", numbers=(1,)), AnswerBlock("Elders.", numbers=(5,))])
    assert links.answers == ["Tien."] and links.unlinked == ["Elders."] and links.warnings


def test_repeated_question_with_edits_links_by_similarity() -> None:
    text = ("Vragen:\n\n1. Is het college bekend met het rapport over de wijk?\n\n2. Welke stappen zet het college?\n\n"
            "Antwoorddatum: 1 maart 2021\n\nWelke stappen zet het college nu ?\n\nAntwoord: Het college overlegt.\n\n"
            "Is het college bekend met het rapport?\n\nAntwoord: Ja.")
    document = parse_text(text, "leiden", "x")
    assert numbers_and_answers(document) == [("1", "Ja."), ("2", "Het college overlegt.")]


@pytest.mark.parametrize("separator", ["\n\n", "\n"])
def test_answers_under_unnumbered_questions(separator: str) -> None:
    text = separator.join(["Inleiding over de wijk.", "Waarom is de straat dicht?", "Antwoord:",
                           "Vanwege werkzaamheden.", "Wanneer gaat zij weer open?", "Antwoord:", "In mei."])
    document = parse_text(text, "x", "zonder-nummers")
    assert [(q.number, q.text, q.answer) for q in document.questions] == [
        ("1", "Waarom is de straat dicht?", "Vanwege werkzaamheden."),
        ("2", "Wanneer gaat zij weer open?", "In mei."),
    ]
    assert document.intro == "Inleiding over de wijk." and document.warnings


def test_last_answer_keeps_its_short_closing_lines() -> None:
    document = parse_text("Vraag 1\nHoeveel?\nAntwoord 1\nTien.\nDe Minister\nJan Jansen", "x", "x")
    words = (document.questions[0].answer or "") + document.other
    assert "Jan Jansen" in words and document.authors == []


def test_a_letter_gets_one_whole_letter_unit_beside_its_pieces() -> None:
    """The letter as a whole (title, intro, questions; no answers) is one unit, never split: BM25 reads
    all of it, the encoder its first 512 tokens. Its text is the reference baseline's entry."""
    from nlp_service.documents import Document, Question
    from nlp_service.units import letter_text, make_units

    questions = [Question(str(i), f"Vraag {i} over de wachtlijsten " + "lang " * 600, "Antwoord.") for i in (1, 2)]
    letter = Document(source="s", external_id="e", title="Wachtlijsten", intro="Inleiding.", questions=questions)
    units = make_units(letter, lambda texts: [len(t.split()) + 2 for t in texts], 512)
    [whole] = [u for u in units if u.kind == "letter"]
    assert whole.text == letter_text(letter) == "\n\n".join(["Wachtlijsten", "Inleiding.", questions[0].text,
                                                             questions[1].text])
    assert whole.question_position == 0 and "Antwoord." not in whole.text
    assert [u.kind for u in units].count("question") == 4, "the pieces are still split to fit the window"
    assert not [u for u in make_units(Document(source="s", external_id="f", questions=[Question("1", "", "Ja.")]),
                                      lambda texts: [1 for _ in texts], 512) if u.kind == "letter"]
