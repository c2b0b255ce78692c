"""Council registers: letters written in the layouts of NotuBiz/iBabs registers (question
letter, postponement notice, answer letter as separate documents) linked into cases, answers
attached to the original questions, statuses and due dates; the Tweede Kamer's zaak numbers.

The matching tests store parsed letters in a real SQLite store (no index: matching reads
only the store); the search and HTTP tests index the letters with the session's model.
"""
from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest

from nlp_service import casestore
from nlp_service.config import load_settings
from nlp_service.parsing import parse_path
from nlp_service.parsing.letters import describe_letter
from nlp_service.registers import Register
from nlp_service.search import Filters
from nlp_service.schema import MIGRATIONS
from nlp_service.store import SCHEMA_VERSION, Store

LETTERS = Path(__file__).parent / "data" / "registers"
CASE = ("vragen-fietsenstalling", "uitstel-fietsenstalling", "antwoord-fietsenstalling")


def letter(name: str):
    return parse_path(LETTERS / f"{name}.txt", source="raad")[0]


def store_letters(path: Path, names, rebuild_each: bool = True) -> Store:
    """The letters stored one by one in this order, cases matched after each (as ingest does)."""
    store = Store(path / "store.sqlite")
    for name in names:
        store.upsert_document(letter(name), [])
        if rebuild_each:
            casestore.rebuild(store)
    casestore.rebuild(store)
    return store


def ids_by_name(store: Store) -> dict[str, int]:
    return {r[0]: r[1] for r in store.conn.execute("SELECT external_id, id FROM documents")}


def cases_by_name(store: Store) -> set[frozenset[str]]:
    cases = defaultdict(set)
    for name, case in store.conn.execute(
            "SELECT d.external_id, m.case_id FROM case_members m JOIN documents d ON d.id = m.document_id"):
        cases[case].add(name)
    return {frozenset(members) for members in cases.values()}


def links_by_name(store: Store) -> set[tuple[str, str, str, str]]:
    """(later letter, its question number, original letter, original number) of every attached question."""
    return set(tuple(row) for row in store.conn.execute(
        "SELECT dl.external_id, ql.number, do.external_id, qo.number FROM question_links l "
        "JOIN questions ql ON ql.id = l.question_id JOIN documents dl ON dl.id = ql.document_id "
        "JOIN questions qo ON qo.id = l.original_id JOIN documents do ON do.id = qo.document_id"))


def original_fields(store: Store, name: str, today: dt.date, term_days: int = 30) -> dict[str, dict]:
    """The question letter's questions by number, as the API shows them."""
    doc_id = ids_by_name(store)[name]
    questions = store.questions_of(doc_id)
    fields = Register(store, term_days, today).questions(q.id for q in questions)
    return {q.question.number: fields[q.id] for q in questions}


# --- letter kinds and references -------------------------------------------------


@pytest.mark.parametrize("name, kind", [
    ("vragen-fietsenstalling", "question"), ("uitstel-fietsenstalling", "postponement"),
    ("antwoord-fietsenstalling", "answer"), ("antwoord-speeltuinen", "answer"), ("antwoord-bomenkap", "answer"),
    ("vragen-speeltuinen", "question"), ("antwoord-parkeervergunningen", "answer"),
])
def test_letter_kinds(name: str, kind: str) -> None:
    assert describe_letter(letter(name)).kind == kind


def test_the_leiden_record_and_a_tweede_kamer_aanhangsel_are_combined(data_dir) -> None:
    leiden = parse_path(next((data_dir / "leiden").glob("*.txt")))[0]
    assert describe_letter(leiden).kind == "combined"


def test_references_of_an_answer_letter_and_the_promise_of_a_postponement() -> None:
    answer = describe_letter(letter("antwoord-fietsenstalling")).references
    assert set(answer.numbers) == {"SV2023-041", "Z/23/118734"}
    assert answer.refers_to == "2023-03-06"  # "In uw brief van 6 maart 2023"
    assert "Anna de Vries" in answer.addressees and answer.subject.endswith("fietsenstalling stationsplein")
    notice = describe_letter(letter("uitstel-fietsenstalling")).references
    assert notice.promised == "2023-05-15"  # "uiterlijk 15 mei 2023", not the "Op 6 maart 2023" above it


# --- cases -----------------------------------------------------------------------


@pytest.mark.parametrize("order", list(itertools.permutations(CASE)), ids=lambda o: ">".join(n.split("-")[0] for n in o))
def test_question_postponement_and_answer_form_one_case_in_every_arrival_order(tmp_path, order) -> None:
    store = store_letters(tmp_path, order)
    assert frozenset(CASE) in cases_by_name(store)
    assert links_by_name(store) == {("antwoord-fietsenstalling", n, "vragen-fietsenstalling", n) for n in "1234"}
    before = (cases_by_name(store), links_by_name(store))
    casestore.rebuild(store)  # idempotent
    assert (cases_by_name(store), links_by_name(store)) == before
    fields = original_fields(store, "vragen-fietsenstalling", dt.date(2023, 6, 1))
    assert fields["2"]["answer"] == "Er zijn sinds januari 412 fietsen weggesleept door de handhavers."
    assert fields["2"]["status"] == "answered" and fields["2"]["answered"] == "2023-05-09"
    assert fields["2"]["answer_document"]["id"] == ids_by_name(store)["antwoord-fietsenstalling"]


def test_status_follows_the_letters_and_the_date(tmp_path) -> None:
    store = store_letters(tmp_path, ["vragen-fietsenstalling"])
    assert original_fields(store, "vragen-fietsenstalling", dt.date(2023, 3, 20))["1"] | {"answer": None} == {
        "answer": None, "status": "open", "answered": None, "answer_document": None, "due": "2023-04-05"}
    assert original_fields(store, "vragen-fietsenstalling", dt.date(2023, 4, 6))["1"]["status"] == "overdue"
    assert original_fields(store, "vragen-fietsenstalling", dt.date(2023, 3, 20), term_days=10)["1"]["due"] == "2023-03-16"
    store.upsert_document(letter("uitstel-fietsenstalling"), [])
    casestore.rebuild(store)
    postponed = original_fields(store, "vragen-fietsenstalling", dt.date(2023, 4, 20))["3"]
    assert (postponed["status"], postponed["due"]) == ("postponed", "2023-05-15")  # the promised date
    assert original_fields(store, "vragen-fietsenstalling", dt.date(2023, 5, 16))["3"]["status"] == "overdue"


def test_an_answer_letter_that_only_numbers_its_answers_fills_the_original_questions(tmp_path) -> None:
    store = store_letters(tmp_path, ["antwoord-speeltuinen", "vragen-speeltuinen"])
    assert frozenset({"antwoord-speeltuinen", "vragen-speeltuinen"}) in cases_by_name(store)
    fields = original_fields(store, "vragen-speeltuinen", dt.date(2023, 8, 1))
    assert fields["1"]["answer"] == "Het afgelopen jaar zijn 86 speeltoestellen gekeurd."
    assert fields["2"]["answer"] == fields["4"]["answer"]  # "Antwoord 2 en 4": one answer for both
    assert fields["2"]["answer"].startswith("Elf toestellen zijn afgekeurd.")
    assert fields["3"]["answer"].startswith("De afgekeurde toestellen worden voor de zomervakantie vervangen.")
    assert all(f["status"] == "answered" and f["answered"] == "2023-07-03" for f in fields.values())


def test_a_letter_without_reference_numbers_is_matched_by_subject_askers_and_dates(tmp_path) -> None:
    store = store_letters(tmp_path, ["antwoord-bomenkap", "vragen-bomenkap", "vragen-zwembad"])
    assert frozenset({"antwoord-bomenkap", "vragen-bomenkap"}) in cases_by_name(store)
    # the answer repeats the questions with small edits: attached by their text
    assert {(n, o) for _, n, _, o in links_by_name(store)} == {("1", "1"), ("2", "2"), ("3", "3")}


def test_an_answer_past_the_window_is_not_matched_by_subject(tmp_path) -> None:
    store = Store(tmp_path / "store.sqlite")
    late = letter("antwoord-bomenkap")
    late.submitted = "2024-03-01"  # 151 days after the question: another answer, not this one
    store.upsert_document(letter("vragen-bomenkap"), [])
    store.upsert_document(late, [])
    casestore.rebuild(store)
    assert frozenset({"antwoord-bomenkap", "vragen-bomenkap"}) not in cases_by_name(store)


def test_an_answer_letter_without_question_letter_stays_self_contained_and_is_listed(tmp_path) -> None:
    store = store_letters(tmp_path, ["vragen-zwembad", "antwoord-parkeervergunningen", "vragen-fietsenstalling"])
    assert {frozenset({"antwoord-parkeervergunningen"}), frozenset({"vragen-zwembad"})} <= cases_by_name(store)
    register = Register(store, 30, dt.date(2024, 1, 1))
    assert [d["title"] for d in register.unmatched_answer_letters()] == ["Wachttijd parkeervergunningen"]
    fields = original_fields(store, "antwoord-parkeervergunningen", dt.date(2024, 1, 1))
    assert fields["1"]["answer"] == "De wachttijd is gemiddeld zes weken."
    assert (fields["1"]["status"], fields["1"]["answered"], fields["1"]["answer_document"]) == ("answered", "2023-11-14", None)


def test_two_unrelated_letters_of_the_same_day_are_not_matched(tmp_path) -> None:
    store = store_letters(tmp_path, ["vragen-zwembad", "antwoord-parkeervergunningen"])
    assert letter("vragen-zwembad").submitted == letter("antwoord-parkeervergunningen").submitted == "2023-11-14"
    assert frozenset({"vragen-zwembad", "antwoord-parkeervergunningen"}) not in cases_by_name(store)
    assert links_by_name(store) == set()


def test_the_whole_register_in_any_order_gives_the_same_cases(tmp_path) -> None:
    names = sorted(p.stem for p in LETTERS.glob("*.txt"))
    first = store_letters(tmp_path / "a", names, rebuild_each=False)
    second = store_letters(tmp_path / "b", list(reversed(names)))
    assert cases_by_name(first) == cases_by_name(second) and links_by_name(first) == links_by_name(second)
    assert len(cases_by_name(first)) == 5  # fietsenstalling (3 letters), speeltuinen, bomenkap, parkeren, zwembad


def test_unlink_and_link_are_kept_when_cases_are_matched_again(tmp_path) -> None:
    store = store_letters(tmp_path, CASE)
    ids = ids_by_name(store)
    casestore.unlink(store, ids["antwoord-fietsenstalling"])
    casestore.rebuild(store)  # what every write and reindex does
    assert frozenset({"antwoord-fietsenstalling"}) in cases_by_name(store)
    assert original_fields(store, "vragen-fietsenstalling", dt.date(2023, 5, 10))["1"]["status"] == "postponed"
    casestore.link(store, ids["antwoord-fietsenstalling"], ids["vragen-fietsenstalling"])
    casestore.rebuild(store)
    assert frozenset(CASE) in cases_by_name(store)
    with pytest.raises(casestore.CaseError, match="no document with id 999"):
        casestore.link(store, 999, ids["vragen-fietsenstalling"])


def test_migrate_computes_the_cases_of_a_store_written_before_them(tmp_path) -> None:
    from nlp_service.service import Service

    settings = load_settings(home=tmp_path / "home")
    store = Store(settings.paths.store)
    for name in CASE:
        store.upsert_document(letter(name), [])
    cases_version = MIGRATIONS.index(casestore.CASES_SCHEMA) + 1
    conn = sqlite3.connect(settings.paths.store)  # back to the schema before cases, as an older program wrote it
    conn.executescript("DROP TABLE letters; DROP TABLE case_members; DROP TABLE question_links; "
                       f"DROP TABLE case_overrides; PRAGMA user_version = {cases_version - 1};")
    conn.close()
    assert Service(settings).migrate() == list(range(cases_version, SCHEMA_VERSION + 1))
    store = Store(settings.paths.store)
    assert frozenset(CASE) in cases_by_name(store) and len(links_by_name(store)) == 4


# --- the Tweede Kamer's zaak numbers ----------------------------------------------


def test_tweede_kamer_letters_sharing_a_zaak_number_form_one_case_and_no_other(data_dir, tmp_path) -> None:
    """index.tsv lists each document's zaak numbers: the truth the grouping is measured against."""
    folder = data_dir / "tweedekamer-2024"
    documents = parse_path(folder / "documents.csv")
    with (folder / "index.tsv").open(encoding="utf-8") as handle:
        zaak = {int(row["row"]): set(row["zaak_numbers"].split()) for row in csv.DictReader(handle, delimiter="\t")}
    store = Store(tmp_path / "store.sqlite")
    row_of = {store.upsert_document(d, [])[0]: row for row, d in enumerate(documents)}
    matching = casestore.rebuild(store)
    case_pairs = {frozenset((a, b)) for a, b in itertools.combinations(row_of, 2)
                  if matching.case_of[a] == matching.case_of[b]}
    zaak_pairs = {frozenset((a, b)) for a, b in itertools.combinations(row_of, 2) if zaak[row_of[a]] & zaak[row_of[b]]}
    assert case_pairs == zaak_pairs and len(zaak_pairs) == 4  # recall and precision 1.0 (README)


# --- search, JSON, page and command line over an index of the letters -------------


@pytest.fixture(scope="module")
def register_settings(indexed_settings, tmp_path_factory):
    from nlp_service.service import Service

    # every question of a letter may be a result: PER_DOCUMENT (3) would hide one of the four
    settings = indexed_settings.replace(home=tmp_path_factory.mktemp("register"), api_token="s3cret", per_document=10)
    report = Service(settings).ingest_paths([LETTERS], source="raad")
    assert report.added == 9 and not report.failed
    return settings


@pytest.fixture
def register_service(register_settings, service):
    from nlp_service.service import Service

    return Service(register_settings, encoder=service.encoder)


@pytest.mark.model
def test_a_subject_search_returns_each_question_once_with_its_answer(register_service) -> None:
    from nlp_service.service import Service

    # one result per letter, its other matching questions under it: room for all four
    service = Service(register_service.settings.replace(per_document=4), encoder=register_service.encoder)
    request = service.make_request("fietsenstalling stationsplein weggesleept", k=20)
    letters = [r for r in service.search(request).results if "ietsenstalling" in r.document["title"]]
    assert len(letters) == 1, "the question letter, its notice and its answer letter are one case: one result"
    results = [letters[0], *letters[0].more]
    numbers = [r.question["number"] for r in results]
    assert sorted(numbers) == ["1", "2", "3", "4"]  # once each: the answer letter's copies are the same questions
    by_number = {r.question["number"]: r for r in results}
    assert by_number["2"].answer == "Er zijn sinds januari 412 fietsen weggesleept door de handhavers."
    assert by_number["2"].question["status"] == "answered"
    assert by_number["2"].document["kind"] == "question"
    assert {d["kind"] for d in by_number["2"].document["related"]} == {"answer", "postponement"}
    assert by_number["2"].question["answer_document"]["title"].startswith("Beantwoording")


@pytest.mark.model
def test_the_api_lists_questions_by_status_and_links_with_the_token(register_service) -> None:
    from nlp_service.web import create_app

    client = create_app(register_service).test_client()
    pending = client.get("/api/questions").get_json()["questions"]
    assert {q["document"]["title"] for q in pending} == {"Openingstijden van het zwembad De Vliet"}
    assert [q["due"] for q in pending] == sorted(q["due"] for q in pending)
    answered = client.get("/api/questions?status=answered&source=raad").get_json()["questions"]
    assert len(answered) == 4 + 4 + 3 + 2  # fietsenstalling, speeltuinen, bomenkap, parkeervergunningen
    assert client.get("/api/questions?status=late").status_code == 400
    assert client.get("/api/questions?since=gisteren").status_code == 400
    doc_id = next(q["document"]["id"] for q in answered if q["answer_document"])
    document = client.get(f"/api/documents/{doc_id}").get_json()
    assert document["kind"] == "question" and document["related"]
    answer_id = next(d["id"] for d in document["related"] if d["kind"] == "answer")
    assert client.post("/api/cases/unlink", json={"document": answer_id}).status_code == 401
    headers = {"Authorization": "Bearer s3cret"}
    assert client.post("/api/cases/unlink", json={"document": "x"}, headers=headers).status_code == 400
    unlinked = client.post("/api/cases/unlink", json={"document": answer_id}, headers=headers).get_json()
    assert unlinked["document"]["related"] == [] and unlinked["document"]["kind"] == "answer"
    register_service.reindex()  # the correction is kept: a reindex matches the cases again
    assert client.get(f"/api/documents/{answer_id}").get_json()["related"] == []
    assert [d["id"] for d in client.get("/api/cases/unmatched").get_json()["documents"]].count(answer_id) == 1
    relinked = client.post("/api/cases/link", json={"document": answer_id, "other": doc_id}, headers=headers)
    assert relinked.status_code == 200 and doc_id in [d["id"] for d in relinked.get_json()["document"]["related"]]
    page = client.get("/termijnbewaking")
    assert page.status_code == 200 and "zwembad De Vliet" in page.get_data(as_text=True)
    card = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "Andere brieven van deze zaak" in card and "beantwoord" in card


@pytest.mark.model
def test_cli_status_and_cases(register_settings, cli) -> None:
    result = cli("status", "--json", settings=register_settings)
    assert result.exit_code == 0, result.output
    statuses = {q["status"] for q in json.loads(result.output)["questions"]}
    assert statuses == {"overdue"}  # the zwembad questions of 2023, long past their term
    overdue = cli("status", "--overdue", settings=register_settings)
    assert overdue.exit_code == 0 and "2 questions" in overdue.output
    missing = cli("cases", "unlink", "999999", settings=register_settings)
    assert missing.exit_code == 1 and missing.output.startswith("Error: no document with id 999999")


@pytest.mark.model
def test_a_tweede_kamer_question_letter_and_its_answer_letter_search_as_one(service) -> None:
    """2024Z18792: the question letter (Kamervragen) and the minister's answer letter that repeats them."""
    request = service.make_request("ontkoppeling ontwikkelingshulp economische groei", k=10)
    results = [r for r in service.search(request).results if "ontkoppeling" in r.document["title"].lower()]
    assert results and len({r.question["id"] for r in results}) == len(results)
    assert {r.document["kind"] for r in results} == {"question"}
    assert all(r.answer and r.question["status"] == "answered" and r.question["answer_document"] for r in results)
    assert [d["kind"] for d in results[0].document["related"]] == ["answer"]
