"""Property tests: generated registers of split letters, stored in a random order.

Each generated case is a question letter, perhaps a postponement notice, and perhaps an
answer letter that either repeats the questions (``Vraag N`` / ``Antwoord N``) or only
numbers its answers, with combined answers (``Antwoord 2 en 3``) and unanswered questions;
half the cases carry a registration number, the others are matched by subject, askers and
dates; all question letters are dated the same day. Whatever the arrival order: every
question appears once (an answer letter's copies are attached to it), every answer the
generator wrote reaches exactly the questions it answers, none reaches another case, and
the cases are the same as for the sorted order.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp_service import casestore
from nlp_service.parsing import parse_text
from nlp_service.registers import Register
from nlp_service.store import Store

SUBJECTS = ["fietsenstalling", "zwembad", "bibliotheek", "begraafplaats"]
NAMES = [("Anna de Vries", "GroenLinks"), ("Karim Bouzid", "D66"), ("Els Jansen", "CDA"), ("Tom Hendriks", "SP")]
QUESTION_WORDS = """college bereid informatie maatregelen bewoners wijk budget subsidie plannen onderzoek
rapport overleg jongeren ouderen verkeer scholen afval energie groen kosten termijn aantal gevolgen""".split()
ANSWER_WORDS = """inmiddels afgesproken uitgevoerd bekeken voorjaar najaar toegezegd bijdrage regeling werkgroep
partners evaluatie uitkomsten capaciteit personeel kwartaal begroting uitvoering aanpak vervolg""".split()
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                                     HealthCheck.function_scoped_fixture])


def sentence(rnd: random.Random, words: list[str], end: str) -> str:
    chosen = [rnd.choice(words) for _ in range(rnd.randint(6, 12))]
    return chosen[0].capitalize() + " " + " ".join(chosen[1:]) + end


def dutch(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass
class Case:
    subject: str
    questions: list[str]
    answers: dict[int, str] = field(default_factory=dict)  # question number -> the answer written for it
    letters: list[tuple[str, str]] = field(default_factory=list)  # (external id, text)


def answer_groups(draw, n: int, missing: bool) -> list[list[int]]:
    """Question numbers answered together, in order; a skipped number stays unanswered."""
    groups, number = [], 1
    while number <= n:
        kind = draw(st.sampled_from(["single", "single", "combined"] + ["missing"] * missing))
        if kind == "combined" and number < n:
            groups.append([number, number + 1])
            number += 2
        else:
            if kind != "missing":
                groups.append([number])
            number += 1
    return groups


@st.composite
def registers(draw) -> list[Case]:
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    asked = dt.date(2023, 1, 2) + dt.timedelta(days=draw(st.integers(0, 300)))
    cases = []
    for index in range(draw(st.integers(1, 3))):
        subject, (name, party) = SUBJECTS[index], NAMES[index]
        case = Case(subject, [f"Hoe staat het met {subject} punt {i}: " + sentence(rnd, QUESTION_WORDS, "?")
                              for i in range(1, draw(st.integers(1, 5)) + 1)])
        number = f"Registratienummer: SV {asked.year}-{index + 11:03d}\n" if draw(st.booleans()) else ""
        numbered = "\n".join(f"{i}. {q}" for i, q in enumerate(case.questions, 1))
        case.letters.append((f"vragen-{subject}", f"Schriftelijke vragen\n\n{number}Indiendatum: {dutch(asked)}\n"
                             f"Door: {name} ({party})\nOnderwerp: {subject.capitalize()} in de binnenstad\n\n"
                             f"Vragen over de {subject}.\n\n{numbered}\n\n{name}\n{party}\n"))
        head = (f"{number.replace('Registratienummer', 'Uw kenmerk')}Aan: {name}, {party}\n"
                f"Onderwerp: {subject.capitalize()} in de binnenstad\n\nGeachte {name},\n\n")
        if draw(st.booleans()):
            case.letters.append((f"uitstel-{subject}", f"Uitstel beantwoording schriftelijke vragen\n\n"
                                 f"Datum: {dutch(asked + dt.timedelta(days=25))}\n{head}"
                                 f"Wij kunnen uw vragen niet binnen de termijn beantwoorden.\n"))
        style = draw(st.sampled_from(["repeat", "numbers", "none"]))
        if style != "none":
            blocks = []
            # a letter repeating the questions repeats them all (the parser needs its numbering unbroken)
            for group in answer_groups(draw, len(case.questions), missing=style == "numbers"):
                answer = sentence(rnd, ANSWER_WORDS, ".")
                case.answers.update((n, answer) for n in group)
                label = " en ".join(map(str, group))
                repeated = "".join(f"Vraag {n}\n{case.questions[n - 1]}\n\n" for n in group) if style == "repeat" else ""
                blocks.append(f"{repeated}Antwoord {label}\n{answer}")
            case.letters.append((f"antwoord-{subject}", f"Beantwoording schriftelijke vragen\n\n"
                                 f"Datum: {dutch(asked + dt.timedelta(days=40))}\n{head}"
                                 "Hieronder beantwoorden wij uw vragen.\n\n" + "\n\n".join(blocks) + "\n"))
        cases.append(case)
    return cases


def store_in_order(path, letters: list[tuple[str, str]]) -> Store:
    store = Store(path)
    for external_id, text in letters:
        store.upsert_document(parse_text(text, "raad", external_id), [])
        casestore.rebuild(store)
    return store


def flat(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def links_of(store: Store) -> set[tuple]:
    """(letter, question number, original letter, original number) of every attached question."""
    return {tuple(row) for row in store.conn.execute(
        "SELECT dl.external_id, ql.number, do.external_id, qo.number FROM question_links l "
        "JOIN questions ql ON ql.id = l.question_id JOIN documents dl ON dl.id = ql.document_id "
        "JOIN questions qo ON qo.id = l.original_id JOIN documents do ON do.id = qo.document_id")}


def cases_of(store: Store) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for name, case in store.conn.execute(
            "SELECT d.external_id, m.case_id FROM case_members m JOIN documents d ON d.id = m.document_id"):
        groups.setdefault(case, set()).add(name)
    return {frozenset(g) for g in groups.values()}


@PROPERTY_SETTINGS
@given(registers(), st.randoms(use_true_random=False))
def test_split_letters_every_question_once_and_every_answer_in_its_own_case(tmp_path_factory, cases, rnd) -> None:
    letters = [letter for case in cases for letter in case.letters]
    shuffled = rnd.sample(letters, len(letters))
    folder = tmp_path_factory.mktemp("register")
    store = store_in_order(folder / "shuffled.sqlite", shuffled)
    in_order = store_in_order(folder / "sorted.sqlite", sorted(letters))
    assert cases_of(store) == cases_of(in_order) and links_of(store) == links_of(in_order)
    assert cases_of(store) == {frozenset(name for name, _ in case.letters) for case in cases}

    hidden = {row[0] for row in store.conn.execute("SELECT question_id FROM question_links")}
    visible = [row for row in store.conn.execute(
        "SELECT q.id, q.text, d.external_id FROM questions q JOIN documents d ON d.id = q.document_id")
        if row[0] not in hidden]
    fields = Register(store, 30, dt.date(2030, 1, 1)).questions(row[0] for row in visible)
    for case in cases:
        for number, text in enumerate(case.questions, 1):
            shown = [row for row in visible if flat(row[1]) == flat(text)]
            assert len(shown) == 1, f"question {number} of {case.subject} appears {len(shown)} times"
            assert shown[0][2] == f"vragen-{case.subject}"
            answer = fields[shown[0][0]]["answer"]
            if number in case.answers:
                assert flat(case.answers[number]) in flat(answer)
                assert fields[shown[0][0]]["status"] == "answered"
            else:
                assert answer is None and fields[shown[0][0]]["status"] in ("overdue", "postponed")
        # no answer written for this case reaches a question of another case
        for other in cases:
            if other is not case:
                for number in range(1, len(other.questions) + 1):
                    row = next(r for r in visible if flat(r[1]) == flat(other.questions[number - 1]))
                    answer = flat(fields[row[0]]["answer"])
                    assert not any(flat(a) in answer for a in case.answers.values() if a not in other.answers.values())
    # every question of an answer letter or notice is attached: none is left over as a second copy
    assert all(not name.startswith(("antwoord-", "uitstel-")) for _, _, name in visible)
