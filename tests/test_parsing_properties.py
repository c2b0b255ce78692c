"""Property tests: generated documents in the Leiden and the Vraag/Antwoord layouts.

For random numbers of questions, combined answers, answers spread over
several paragraphs and missing answers: every question comes out once, in
order, with its own text; each question is linked to exactly the answer text
the generator wrote for it (or ``None``); and no word of the input is lost
(every word of every piece of content appears somewhere in the Document;
the structural markers ``Vraag 3`` / ``Antwoord:`` themselves are consumed).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp_service.parsing import parse_text

# Question and answer words come from different (but overlapping) pools, as in
# real documents: an answer paragraph shares a few words with its question,
# never enough to pass for a repetition of it.
QUESTION_WORDS = """gemeente college wethouder bereid informatie maatregelen bewoners wijk
woningen huurders corporaties leefbaarheid veiligheid budget subsidie plannen onderzoek rapport
overleg provincie rijk jongeren ouderen zorg verkeer parkeren fietsers scholen sport cultuur
afval energie klimaat groen bomen water riolering kosten termijn aantal gevolgen""".split()
ANSWER_WORDS = """inmiddels afgesproken uitgevoerd bekeken voorjaar najaar raad brief
toegezegd bijdrage landelijke regeling werkgroep partners evaluatie uitkomsten capaciteit
personeel kwartaal begroting uitvoering signalen aanpak aandacht vervolg rapportage monitor
verwacht gestart afgerond gemeente bewoners""".split()
INTRO_WORDS = """vandaag krant bericht lazen stadsdeel ontwikkeling zorgen merken
signalen inwoners geleden maanden vorig jaar nieuws""".split()
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december"]
NAMES = ["Maarten Kersten", "Anna de Vries", "Jan Bakker", "Fatima El Amrani", "Pieter van Dijk"]
PARTIES = ["Partij Sleutelstad", "GroenLinks", "D66", "CDA", "SP"]


def sentence(rnd: random.Random, words: list[str], end: str) -> str:
    chosen = [rnd.choice(words) for _ in range(rnd.randint(6, 16))]
    return chosen[0].capitalize() + " " + " ".join(chosen[1:]) + end


@dataclass
class Generated:
    text: str
    questions: list[str]
    answers: list[str | None]  # expected answer per question
    content: list[str] = field(default_factory=list)  # pieces whose words must survive


def plan_answers(draw, n: int) -> list[list[int]]:
    """Groups of question indexes answered together, in order; skipped questions stay unanswered."""
    groups: list[list[int]] = []
    index = 0
    while index < n:
        kind = draw(st.sampled_from(["single", "single", "single", "combined", "missing"]))
        if kind == "combined" and index + 1 < n:
            size = draw(st.integers(2, min(3, n - index)))
            groups.append(list(range(index, index + size)))
            index += size
        elif kind == "missing":
            index += 1
        else:
            groups.append([index])
            index += 1
    return groups


def answer_paragraphs(rnd: random.Random) -> list[str]:
    return [
        " ".join(sentence(rnd, ANSWER_WORDS, ".") for _ in range(rnd.randint(1, 3)))
        for _ in range(rnd.randint(1, 3))
    ]


def unique_questions(rnd: random.Random, n: int) -> list[str]:
    # distinct opening words keep two generated questions from being near-copies
    return [f"Vraagpunt{i} " + sentence(rnd, QUESTION_WORDS, "?") for i in range(1, n + 1)]


@st.composite
def leiden_documents(draw) -> Generated:
    rnd = draw(st.randoms(use_true_random=False))  # the words; hypothesis draws the structure
    blank = "\n\n" if draw(st.booleans()) else "\n"  # paragraphs, or the bare lines of PDF text
    n = draw(st.integers(1, 9))
    questions = unique_questions(rnd, n)
    authors = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=2, unique=True))
    party = draw(st.sampled_from(PARTIES))
    day, month = draw(st.integers(1, 28)), draw(st.integers(0, 10))
    intro = [sentence(rnd, INTRO_WORDS, ".") for _ in range(rnd.randint(1, 3))]
    head = [f"Indiendatum: {day} {MONTHS[month]} 2021", f"Door: {' en '.join(authors)}", *intro, "Vragen:"]
    listing = "\n".join(f"  {i}. {q}" for i, q in enumerate(questions, start=1))
    signature = "\n".join([*authors, party])
    parts = [blank.join(head), listing, signature, f"Antwoorddatum: {day} {MONTHS[month + 1]} 2021"]
    expected: list[str | None] = [None] * n
    for group in plan_answers(draw, n):
        paragraphs = answer_paragraphs(rnd)
        numbered = len(group) > 1 and draw(st.booleans())
        if numbered:  # "Antwoord op vraag 3 en 4:" instead of repeating the questions
            label = " en ".join(str(i + 1) for i in group)
            parts.append(f"Antwoord op vraag {label}: " + paragraphs[0])
        else:
            parts.extend(_echo(draw, questions[i]) for i in group)
            parts.append("Antwoord: " + paragraphs[0])
        parts.extend(paragraphs[1:])
        for i in group:
            expected[i] = blank.join(paragraphs)
    content = [*head, *questions, *authors, party, *(a for a in expected if a)]
    return Generated(blank.join(parts), questions, expected, content)


def _echo(draw, question: str) -> str:
    """The question repeated above its answer, sometimes with a small edit (as in the seed)."""
    edit = draw(st.sampled_from(["same", "space", "drop"]))
    if edit == "space":
        return question[:-1] + " ?"
    if edit == "drop":
        words = question.split()
        return " ".join(words[:-2] + words[-1:])
    return question


@st.composite
def vraag_antwoord_documents(draw) -> Generated:
    rnd = draw(st.randoms(use_true_random=False))
    n = draw(st.integers(1, 12))
    questions = unique_questions(rnd, n)
    blank = "\n\n" if draw(st.booleans()) else "\n"  # DOCX-like paragraphs or PDF-like lines
    author, party = draw(st.sampled_from(NAMES)), draw(st.sampled_from(PARTIES))
    header = (f"Vragen van het lid {author} ({party}) aan de minister over het bericht over de wijk "
              f"(ingezonden 3 oktober 2024).{blank}Antwoord van minister Jansen (Wonen) (ontvangen 5 november 2024).")
    groups = plan_answers(draw, n)
    answered = {i: g for g in groups for i in g}
    parts = [header]
    expected: list[str | None] = [None] * n
    for i, question in enumerate(questions):
        parts.append(f"Vraag {i + 1}{blank}{question}")
        group = answered.get(i)
        if group and i == group[-1]:
            paragraphs = answer_paragraphs(rnd)
            if draw(st.booleans()):  # a numbered list inside the answer must not look like questions
                paragraphs.append("1. " + sentence(rnd, ANSWER_WORDS, ".") + blank + "2. " + sentence(rnd, ANSWER_WORDS, "."))
            parts.append(_answer_header(draw, group) + blank + blank.join(paragraphs))
            for j in group:
                expected[j] = blank.join(paragraphs)
    content = [*questions, author, party, *(a for a in expected if a)]
    return Generated(blank.join(parts), questions, expected, content)


def _answer_header(draw, group: list[int]) -> str:
    numbers = [str(i + 1) for i in group]
    if len(numbers) == 1:
        return draw(st.sampled_from([f"Antwoord {numbers[0]}", f"Antwoord op vraag {numbers[0]}", f"Antwoord vraag {numbers[0]}:"]))
    listed = ", ".join(numbers[:-1]) + " en " + numbers[-1]
    return draw(st.sampled_from([f"Antwoord {listed}", f"Antwoord op vragen {listed}", f"Antwoord vraag {numbers[0]}-{numbers[-1]}:",
                                 f"Antwoord op vraag {numbers[0]} t/m {numbers[-1]}"]))


def flat(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split())


def everything(document) -> str:
    pieces = [document.title, document.intro, document.other, *document.authors, *document.parties]
    for question in document.questions:
        pieces += [question.text, question.answer or ""]
    return " ".join(pieces)


def check(generated: Generated, source: str) -> None:
    document = parse_text(generated.text, source, "generated")
    assert [q.number for q in document.questions] == [str(i) for i in range(1, len(generated.questions) + 1)]
    assert [flat(q.text) for q in document.questions] == [flat(q) for q in generated.questions]
    assert [flat(q.answer) for q in document.questions] == [flat(a) for a in generated.answers]
    found = set(re.findall(r"\w+", everything(document)))
    for piece in generated.content:
        missing = set(re.findall(r"\w+", piece)) - found
        assert not missing, f"lost words {missing} of {piece!r}"
    assert not document.warnings


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(leiden_documents())
def test_leiden_layout_links_every_answer(generated: Generated) -> None:
    check(generated, "leiden")
    document = parse_text(generated.text, "leiden", "generated")
    assert document.submitted and document.answered and document.submitted < document.answered
    assert document.authors and all(author in generated.text for author in document.authors)
    assert document.parties


@PROPERTY_SETTINGS
@given(vraag_antwoord_documents())
def test_vraag_antwoord_layout_links_every_answer(generated: Generated) -> None:
    check(generated, "tweedekamer")


# --- letters in varied layouts (issue 15) -------------------------------------

QUESTION_HEADINGS = ["Vragen", "Vragen:", "VRAGEN", "Schriftelijke vragen", "Wij hebben de volgende vragen:"]
NUMBERINGS = ["1.", "1)", "1:", "(1)", "a.", "a)", "I.", "-", "•"]
SIGNED_PARTIES = [("GroenLinks", "GroenLinks"), ("D66", "D66"), ("Partij Sleutelstad", "Partij Sleutelstad"),
                  ("SP", "SP"), ("Volt Leiden", "Volt"), ("GL-PvdA", "GL-PvdA"), ("Leiden Positief", "Leiden Positief")]
SIGNATURES = ["{name} ({party})", "{name}, {party}", "{name} – {party}", "{name}\n{party}",
              "namens de fractie van {party}, {name}", "Namens de fractie van {party},\n{name}",
              "Met vriendelijke groet,\n{name}\n{party}"]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]


def styled_number(style: str, number: int) -> str:
    """The label as the letter writes it: ``3``, ``c`` or ``III``."""
    if style.startswith("a"):
        return "abcdefgh"[number - 1]
    if style == "I.":
        return ROMAN[number - 1]
    return str(number)


def styled_marker(style: str, number: int) -> str:
    label = styled_number(style, number)
    return {"1.": f"{label}.", "1)": f"{label})", "1:": f"{label}:", "(1)": f"({label})",
            "a.": f"{label}.", "a)": f"{label})", "I.": f"{label}.", "-": "-", "•": "•"}[style]


@dataclass
class Letter:
    text: str
    labels: list[str]
    questions: list[str]
    answers: list[str | None]
    author: str
    party: str
    submitted: str
    answered: str


@st.composite
def varied_letters(draw) -> Letter:
    """Heading, numbering (bullets too), answer-marker, signature and label forms drawn independently."""
    rnd = draw(st.randoms(use_true_random=False))
    n = draw(st.integers(1, 8))
    style = draw(st.sampled_from(NUMBERINGS))
    questions = unique_questions(rnd, n)
    name = draw(st.sampled_from(NAMES))
    written_party, party = draw(st.sampled_from(SIGNED_PARTIES))
    signature = draw(st.sampled_from(SIGNATURES)).format(name=name, party=written_party)
    day, month = draw(st.integers(1, 28)), draw(st.integers(0, 10))
    submitted, answered = f"2023-{month + 1:02d}-{day:02d}", f"2023-{month + 2:02d}-{day:02d}"
    asked_label = draw(st.sampled_from(["Indiendatum: {d}", "Datum indiening: {d}", "Indiendatum {d}", "Datum: {d}",
                                        "Verzonden: {d}"]))
    answer_date = f"{day} {MONTHS[month + 1]} 2023"
    dated_on_top = draw(st.booleans())  # "Antwoorddatum" among the header labels, no heading above the answers
    head = [asked_label.format(d=f"{day} {MONTHS[month]} 2023")]
    if dated_on_top:
        head.append(draw(st.sampled_from(["Antwoorddatum: {d}", "Datum beantwoording: {d}", "Antwoorddatum {d}"]))
                    .format(d=answer_date))
    signed_before = signature.startswith("namens") or draw(st.booleans())  # above the intro, or under the questions
    if signed_before:
        head.append(signature)
    head += [sentence(rnd, INTRO_WORDS, ".") for _ in range(rnd.randint(1, 2))]
    listing = "\n".join(f"{styled_marker(style, i)} {q}" for i, q in enumerate(questions, start=1))
    parts = ["\n\n".join(head), draw(st.sampled_from(QUESTION_HEADINGS)) + "\n" + listing]
    if not signed_before:  # directly under the last question, or after a blank line
        parts[-1] += draw(st.sampled_from(["\n", "\n\n"])) + signature
    if not dated_on_top:
        parts.append(draw(st.sampled_from([f"Antwoorddatum: {answer_date}", f"Beantwoording door het college, {answer_date}",
                                           f"ANTWOORDEN VAN HET COLLEGE\nDatum: {answer_date}",
                                           f"Antwoorden\nDatum beantwoording: {answer_date}"])))
    answers: list[str | None] = [None] * n
    echo = style in ("-", "•") or draw(st.booleans())  # bullets name no number: the question is repeated
    for i, question in enumerate(questions, start=1):
        if not echo and n > 1 and draw(st.integers(0, 4)) == 0:
            continue  # a question left unanswered
        paragraphs = answer_paragraphs(rnd)[:2]
        answers[i - 1] = "\n\n".join(paragraphs)
        if echo:
            parts.append(question + "\n" + "Antwoord: " + "\n\n".join(paragraphs))
        elif style in ("a.", "a)", "I."):
            parts.append(f"{styled_marker(style, i)} " + "\n\n".join(paragraphs))
        else:
            marker = draw(st.sampled_from([f"Ad {i})", f"Ad {i}:", f"Antwoord {i}", f"Antwoord op vraag {i}"]))
            parts.append(marker + "\n" + "\n\n".join(paragraphs))
    labels = [styled_number(style, i) for i in range(1, n + 1)]
    return Letter("\n\n".join(parts), labels, questions, answers, name, party, submitted, answered)


@settings(max_examples=int(__import__("os").environ.get("LETTER_EXAMPLES", 120)), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(varied_letters())
def test_varied_letters_split_and_sign(letter: Letter) -> None:
    document = parse_text(letter.text, "gemeente", "generated")
    assert [q.number for q in document.questions] == letter.labels
    assert [flat(q.text) for q in document.questions] == [flat(q) for q in letter.questions]
    assert [flat(q.answer) for q in document.questions] == [flat(a) for a in letter.answers]
    assert document.authors == [letter.author] and document.parties == [letter.party]
    assert (document.submitted, document.answered) == (letter.submitted, letter.answered)
    assert not any(q[:30] in document.intro for q in letter.questions)
