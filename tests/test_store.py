"""The SQLite store: idempotent upserts, replacement in place, filters, schema versions."""
import sqlite3

import pytest

from nlp_service.documents import Document, Question, document_hash
from nlp_service.home import Home
from nlp_service.search import Filters
from nlp_service.store import SCHEMA_VERSION, Store, StoreError
from nlp_service.units import UnitDraft


def make_doc(external_id="a", title="Scheefwonen", submitted="2020-02-03", parties=("Partij Sleutelstad",),
             authors=("Maarten Kersten",), source="leiden", answer="Ja."):
    return Document(source=source, external_id=external_id, title=title, submitted=submitted,
                    authors=list(authors), parties=list(parties), intro="Inleiding",
                    questions=[Question("1", "Is de gemeente bekend?", answer), Question("2", "Wat gaat u doen?", None)])


def units_for(doc):
    drafts = []
    for pos, q in enumerate(doc.questions):
        drafts.append(UnitDraft(pos, "question", 0, q.text))
        if q.answer:
            drafts.append(UnitDraft(pos, "answer", 0, q.answer))
    return drafts


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store.sqlite")


def test_same_document_twice_is_stored_once(store):
    doc = make_doc()
    first = store.upsert_document(doc, units_for(doc))
    second = store.upsert_document(make_doc(), units_for(doc))
    assert first == (1, "added")
    assert second == (1, "unchanged")
    assert store.counts() == {"documents": 1, "questions": 2, "answered_questions": 1, "units": 3}


def test_text_only_in_other_is_part_of_the_identity(store):
    """``other`` is stored (text that fits no question), so a change there is a new version."""
    doc = make_doc()
    doc_id, _ = store.upsert_document(doc, units_for(doc))
    with_other = make_doc()
    with_other.other = "Bijlage: de brief van de woningcorporatie."
    assert store.unchanged_document_id(with_other) is None
    assert store.upsert_document(with_other, units_for(with_other)) == (doc_id, "replaced")
    assert store.get_document(doc_id).document.other == with_other.other


def test_the_identity_does_not_follow_an_output_format(store, monkeypatch):
    """The hash covers the stored fields, not ``parse --json``: a change to that shape re-hashes nothing."""
    doc = make_doc()
    store.upsert_document(doc, units_for(doc))
    monkeypatch.setattr(Document, "to_dict", lambda self: {"shape": "of another version"})
    assert store.upsert_document(make_doc(), units_for(doc))[1] == "unchanged"
    assert document_hash(make_doc()) != document_hash(make_doc(title="Een andere titel"))


def test_changed_document_replaces_old_version_and_keeps_its_id(store):
    doc = make_doc()
    doc_id, _ = store.upsert_document(doc, units_for(doc))
    old_units = {u.id for u in store.iter_units()}
    [old_answer] = [u.id for u in store.iter_units() if u.kind == "answer"]
    changed = make_doc(answer="Nee, het college kent het rapport niet.")
    assert store.upsert_document(changed, units_for(changed)) == (doc_id, "replaced")
    stored = store.get_document(doc_id).document
    assert stored.questions[0].answer == "Nee, het college kent het rapport niet."
    new_units = {u.id: u for u in store.iter_units()}
    # unchanged units keep their ids (the serving index still finds the document); the changed
    # answer is a new unit with an id never used before
    assert old_units - set(new_units) == {old_answer}
    [changed_unit] = set(new_units) - old_units
    assert changed_unit > max(old_units) and new_units[changed_unit].text == "Nee, het college kent het rapport niet."
    assert store.counts()["documents"] == 1


def test_replaced_questions_keep_their_ids_by_position(store):
    """/questions/<id> links stay valid when the letter comes back with its answers."""
    doc = make_doc(answer=None)
    doc_id, _ = store.upsert_document(doc, units_for(doc))
    before = [q.id for q in store.questions_of(doc_id)]
    answered = make_doc(answer="Ja, sinds maart.")
    answered.questions.append(Question("3", "Wanneer informeert u de raad?", "In juni."))
    store.upsert_document(answered, units_for(answered))
    after = store.questions_of(doc_id)
    assert [q.id for q in after[:2]] == before and after[2].id not in before
    assert [q.question.answer for q in after] == ["Ja, sinds maart.", None, "In juni."]
    assert {u.question_id for u in store.iter_units()} == {q.id for q in after}
    shorter = make_doc(answer="Ja, sinds maart.")
    shorter.questions = shorter.questions[:1]
    store.upsert_document(shorter, units_for(shorter))
    assert [q.id for q in store.questions_of(doc_id)] == before[:1]
    assert store.counts() == {"documents": 1, "questions": 1, "answered_questions": 1, "units": 2}


def test_author_filter_matches_whole_words_of_a_name(store):
    for i, author in enumerate(["Maarten Kersten", "Jan Jansen", "Anna de Vries", "100%_Zeker", "Sander Kröger"]):
        doc = make_doc(external_id=str(i), authors=[author])
        store.upsert_document(doc, units_for(doc))
    by_doc = lambda author: {store.get_units([u])[u].document_id  # noqa: E731
                             for u in store.unit_ids_matching(Filters(author=author))}
    assert by_doc("Kersten") == by_doc("maarten  KERSTEN") == by_doc("Maarten") == {1}
    assert by_doc("Jan") == {2} and by_doc("Jans") == set(), "whole words only: Jan is not Jansen"
    assert by_doc("de vries") == {3} and by_doc("%") == set() and by_doc("100%_zeker") == {4}
    assert by_doc("KRÖGER") == by_doc("kro\u0308ger") == {5}, "case and composition beyond ASCII"


def test_filters_select_units_before_ranking(store):
    for i, (date, party, author) in enumerate([("2017-01-05", "N-VA", "Jan"), ("2017-05-10", "CD&V", "Piet"),
                                               ("2018-03-01", "N-VA", "Piet")]):
        doc = make_doc(external_id=str(i), submitted=date, parties=[party], authors=[author], source="dekamer")
        store.upsert_document(doc, units_for(doc))
    by_doc = lambda f: {store.get_units([u])[u].document_id for u in store.unit_ids_matching(f)}  # noqa: E731
    assert by_doc(Filters(party="n-va")) == {1, 3}, "party match ignores case"
    assert by_doc(Filters(author="Piet", since="2018-01-01")) == {3}
    assert by_doc(Filters(since="2017-02-01", until="2017-12-31")) == {2}
    assert by_doc(Filters(source="leiden")) == set()
    assert by_doc(Filters(party="'; DROP TABLE documents; --")) == set()
    assert store.counts()["documents"] == 3


def test_kinds_filter_restricts_to_answer_units(store):
    doc = make_doc()
    store.upsert_document(doc, units_for(doc))
    kinds = lambda f: {store.get_units([u])[u].kind for u in store.unit_ids_matching(f)}  # noqa: E731
    assert kinds(Filters(kinds=("answer",))) == {"answer"}
    assert kinds(Filters(kinds=("answer",), source="dekamer")) == set()
    assert kinds(Filters()) == {"question", "answer"}
    assert not Filters(kinds=("answer",)).is_empty()

def test_failed_write_leaves_store_unchanged(store):
    doc = make_doc()
    store.upsert_document(doc, units_for(doc))
    bad = make_doc(external_id="b")
    with pytest.raises(IndexError):
        store.upsert_document(bad, [UnitDraft(7, "question", 0, "points at a question that does not exist")])
    assert store.counts()["documents"] == 1
    assert store.find_document("leiden", "b") is None


def test_unversioned_tables_are_refused_and_migrate_says_so_in_one_line(tmp_path, cli):
    """A SQLite file with tables but no schema version is not ours: never migrated over."""
    path = Home(tmp_path).store  # where `migrate --home tmp_path` looks
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 0")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not a store of nlp-service"):
        Store(path)
    with pytest.raises(StoreError, match="not a store of nlp-service"):
        Store(path, upgrade=True)
    result = cli("--home", tmp_path, "migrate")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [f"Error: {path} holds tables but no schema version: "
                                                  "not a store of nlp-service; point NLP_SERVICE_HOME "
                                                  "(or --home) at another folder"]


def test_migrate_creates_a_new_store_and_leaves_a_current_one_alone(tmp_path, cli):
    fresh = Store(Home(tmp_path).store)
    assert fresh.migrated == list(range(1, SCHEMA_VERSION + 1)) and fresh.schema_version() == SCHEMA_VERSION
    fresh.close()
    result = cli("--home", tmp_path, "migrate")
    assert result.exit_code == 0 and result.output.strip() == "store schema is up to date"


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_foreign_file_is_refused(tmp_path):
    path = tmp_path / "x.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a usable SQLite store"):
        Store(path)


def test_re_splitting_keeps_the_ids_of_units_that_come_out_the_same(store):
    doc = make_doc()
    doc_id, _ = store.upsert_document(doc, units_for(doc))
    before = {u.text: u.id for u in store.iter_units()}
    drafts = units_for(doc)
    drafts[-1] = UnitDraft(drafts[-1].question_position, drafts[-1].kind, 0, "Wat gaat u doen? (anders gesneden)")
    store.replace_units({doc_id: drafts})
    after = {u.text: u.id for u in store.iter_units()}
    assert {t: after[t] for t in before if t in after} == {t: i for t, i in before.items() if t in after}
    assert len(after) == len(before) and after["Wat gaat u doen? (anders gesneden)"] > max(before.values())


def test_schema_3_admits_whole_letter_units_and_keeps_every_unit_id(tmp_path):
    """A store of schema 2 migrates: its units keep their ids, an id deleted before is not reused,
    and the store then takes the whole-letter unit kind."""
    from nlp_service.schema import MIGRATIONS

    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:2]:
        conn.executescript(migration)
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    old = Store(path, upgrade=True)
    assert old.migrated == [3]
    doc_id, _ = old.upsert_document(make_doc(), units_for(make_doc()))
    before = {u.id: (u.kind, u.text) for u in old.iter_units()}
    old.conn.execute("DELETE FROM units WHERE id = ?", (max(before),))
    old.close()
    # the same again, from a store written at version 2 that holds units
    path2 = tmp_path / "old2.sqlite"
    conn = sqlite3.connect(path2)
    for migration in MIGRATIONS[:2]:
        conn.executescript(migration)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO documents (source, external_id, content_hash, added_at) VALUES ('s', 'e', 'h', 0)")
    conn.execute("INSERT INTO questions (document_id, position, number, text) VALUES (1, 0, '1', 'Vraag?')")
    conn.executemany("INSERT INTO units (question_id, document_id, kind, part, text) VALUES (1, 1, 'question', ?, ?)",
                     [(i, f"deel {i}") for i in range(3)])
    conn.execute("DELETE FROM units WHERE id = 3")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="run `nlp-service migrate`"):
        Store(path2)
    store = Store(path2, upgrade=True)
    assert store.migrated == [3] and store.schema_version() == SCHEMA_VERSION == 3
    assert [(u.id, u.text) for u in store.iter_units()] == [(1, "deel 0"), (2, "deel 1")]
    store.replace_units({1: [UnitDraft(0, "question", 0, "deel 0"), UnitDraft(0, "letter", 0, "de hele brief")]})
    assert {u.id: u.kind for u in store.iter_units()} == {1: "question", 4: "letter"}, "id 3 is never reused"
