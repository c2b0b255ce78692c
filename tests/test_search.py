"""The search core and the write path on real data: ranking, filters, idempotency, replacement."""
import json
import shutil
import uuid

import pytest

from nlp_service.retrievers import retriever_of
from nlp_service.search import QueryError
from nlp_service.service import Service
from nlp_service.units import letter_text

pytestmark = pytest.mark.model


def test_leiden_document_first_for_its_subject(service):
    response = service.search(service.make_request("scheefwonen sociale huurwoningen", k=5))
    top = response.results[0]
    assert top.document["source"] == "leiden"
    assert "Partij Sleutelstad" in top.document["parties"]


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_each_mode_finds_the_leiden_letter_for_a_paraphrase(service, mode):
    query = "Wat doet de gemeente tegen verloederde wijken met veel goedkope huurwoningen?"
    results = service.search(service.make_request(query, k=10, mode=mode)).results
    assert "leiden" in [r.document["source"] for r in results]


def test_short_typed_queries_weigh_bm25_more_than_pasted_ones(service):
    settings = service.settings.replace(weight_lexical=0.75, weight_lexical_short=2.0, short_query_words=3)
    tuned = Service(settings, encoder=service.encoder).engine
    assert tuned.weights_for("vuurwerk verbod oudjaar") == {"lexical": 2.0, "dense": 1.0}
    assert tuned.weights_for("is het college bereid vuurwerk te verbieden") == {"lexical": 0.75, "dense": 1.0}
    # the weights reach the fusion: with BM25 silenced a short query ranks as dense alone
    silenced = Service(settings.replace(weight_lexical_short=0.0), encoder=service.encoder).engine
    request = silenced.make_request("vuurwerk verbod", k=10)
    rankings = silenced.candidate_rankings(request)
    dense = {name: ranking for name, ranking in rankings.items() if retriever_of(name) == "dense"}
    assert set(rankings) == {"lexical", "dense", "lexical:letter", "dense:letter"}, "the letters searched apart"
    assert [uid for uid, _ in silenced.fuse(rankings, request.query)][:10] == \
        [uid for uid, _ in silenced.rank_mode(dense, request.query)][:10]


def test_search_json_schema(indexed_settings, cli):
    result = cli("search", "vuurwerk verbod", "-k", "3", "--json", settings=indexed_settings)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"query", "direct_documents", "dense_coverage", "results"} and data["query"] == "vuurwerk verbod"
    assert data["dense_coverage"] == 1.0, "an index built whole"
    assert 1 <= len(data["results"]) <= 3
    for item in data["results"]:
        assert set(item) == {"score", "match", "document", "question", "answer", "matched", "more"}
        assert all(set(m) == {"score", "match", "question", "answer", "matched"} for m in item["more"])
        assert item["match"] in ("direct", "related")
        assert set(item["document"]) == {"id", "external_id", "title", "submitted", "answered",
                                         "authors", "parties", "source", "kind", "related"}
        assert set(item["question"]) == {"id", "number", "text", "status", "answered", "answer_document", "due"}
        assert item["question"]["status"] in ("open", "postponed", "overdue", "answered")
        assert item["matched"] in ("question", "answer")
        assert item["answer"] is None or isinstance(item["answer"], str)
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)


def test_one_result_per_letter_with_its_other_matching_questions_under_it(service):
    results = service.search(service.make_request("sociale huurwoningen wijken leefbaarheid", k=20)).results
    documents = [r.document["id"] for r in results]
    assert len(documents) == len(set(documents)), "one result per letter"
    assert any(r.more for r in results), "a letter with several matching questions carries them"
    for r in results:
        questions = [r.question["id"], *(m.question["id"] for m in r.more)]
        assert len(questions) == len(set(questions)) <= service.settings.per_document
        assert all(m.document["id"] == r.document["id"] and not m.more for m in r.more)
        assert [m.score for m in r.more] == sorted((m.score for m in r.more), reverse=True)


@pytest.mark.parametrize("query", ["wachtlijsten psychiatrie", "scheefwonen sociale huurwoningen",
                                   "Wat doet de regering tegen de wachtlijsten in de psychiatrie?"])
def test_a_typed_querys_top_10_holds_at_least_8_letters(service, query):
    """Issue #18: several questions of one letter no longer crowd the top 10 (before: up to 3 each)."""
    request = service.make_request(query, k=10)
    letters = len({r.document["id"] for r in service.search(request).results})
    units = service.store.get_units(uid for uid, _ in service.engine.rank_units(request).units)
    assert letters >= min(8, len({u.document_id for u in units.values()}))
    assert letters >= 8, "the session index holds plenty of letters for these words"


def test_a_whole_letter_hit_shows_its_best_question_and_is_judged_by_it(service):
    """A query that is a whole letter matches it as a whole (its ``letter`` unit, whose list the
    embeddings weigh 1.5 times); the card shows one of its questions, judged by that question's unit."""
    found = service.store.find_document("leiden", "2020-02-03-sociaal-scheefwonen")
    assert found is not None
    stored = service.store.get_document(found[0])
    query = letter_text(stored.document)[: service.settings.max_query_chars]
    [top] = service.search(service.make_request(query, k=1, mode="dense")).results
    assert top.document["id"] == stored.id and top.matched_unit == "letter" and top.matched == "question"
    assert top.question["id"] in {q.id for q in service.store.questions_of(stored.id)}
    assert top.shown_unit in ("intro", "question", "answer") and top.matched_text != letter_text(stored.document)
    [letter_unit] = [u for u in service.store.iter_units() if u.document_id == stored.id and u.kind == "letter"]
    vector = service.encoder.encode_queries([query])[0]
    [(_, letter_cosine)] = service.engine.generation().dense.similarities(vector, [letter_unit.id]).items()
    assert top.similarity is not None and top.similarity != pytest.approx(letter_cosine, abs=1e-6)


def test_party_filter_applies_before_the_cut(service):
    # the rarest party among letters that hold questions (a postponement notice has none to find)
    rare = service.store.conn.execute(
        """SELECT p.name FROM document_people p WHERE p.role = 'party'
           AND EXISTS (SELECT 1 FROM questions q WHERE q.document_id = p.document_id)
           GROUP BY p.name ORDER BY count(DISTINCT p.document_id), p.name LIMIT 1""").fetchone()[0]
    results = service.search(service.make_request("belastingen", k=5, party=rare)).results
    assert results, f"filtering on {rare} must still return results"
    assert all(rare.lower() in [p.lower() for p in r.document["parties"]] for r in results)


def test_date_filters(service):
    results = service.search(service.make_request("spoorwegen treinen", k=10, since="2017-01-01",
                                                until="2017-12-31")).results
    assert results
    assert all("2017-01-01" <= r.document["submitted"] <= "2017-12-31" for r in results)
    assert service.search(service.make_request("spoorwegen", k=10, until="1990-01-01")).results == []


def test_sort_by_date(service):
    results = service.search(service.make_request("ministerie beleid", k=10, sort="date")).results
    dates = [r.document["submitted"] or "" for r in results if r.match == "direct"]
    assert len(results) > 1 and len(set(dates)) > 1, dates  # otherwise any order would pass
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("params, message", [
    ({"query": "  "}, "empty"),
    ({"query": "x" * 6000}, "longer"),
    ({"query": "a", "k": 0}, "between"),
    ({"query": "a", "k": 10_000}, "between"),
    ({"query": "a", "k": "tien"}, "whole number"),
    ({"query": "a", "since": "3 februari 2020"}, "YYYY-MM-DD"),
    ({"query": "a", "since": "2020-02-01", "until": "2019-01-01"}, "after"),
    ({"query": "a", "mode": "magic"}, "mode"),
])
def test_bad_requests_are_refused_with_a_clear_message(service, params, message):
    with pytest.raises(QueryError, match=message):
        service.make_request(**params)


def test_more_like_this_excludes_its_own_document(service):
    top = service.search(service.make_request("scheefwonen sociale huurwoningen", k=1)).results[0]
    question = service.get_question(top.question["id"])
    assert question["document"]["id"] == top.document["id"]
    assert 1 <= len(question["similar"]) <= 5
    assert all(s["document"]["id"] != top.document["id"] for s in question["similar"])


def test_ingesting_the_same_files_again_changes_nothing(writable_service, data_dir):
    before = writable_service.store.counts()
    report = writable_service.ingest_paths([data_dir / "leiden", data_dir / "tweedekamer-2024" / "documents.csv"])
    assert report.added == 0 and report.replaced == 0 and report.unchanged >= 87
    assert report.generation is None, "nothing changed: no new index generation"
    assert writable_service.store.counts() == before


def test_changed_document_replaces_the_old_version(writable_service, data_dir, tmp_path):
    folder = tmp_path / "leiden"
    folder.mkdir()
    original = (data_dir / "leiden" / "2020-02-03-sociaal-scheefwonen.txt").read_text(encoding="utf-8")
    # a fresh word per run: the embedding cache is kept between local runs
    edited = original.replace("Antwoord: Ja, het College is bekend met dit rapport.",
                              f"Antwoord: Ja, het College kent het rapport over de Zwanenburgwijk ({uuid.uuid4().hex}).")
    assert edited != original
    (folder / "2020-02-03-sociaal-scheefwonen.txt").write_text(edited, encoding="utf-8")
    before = writable_service.store.counts()
    report = writable_service.ingest_paths([folder])
    assert report.replaced == 1 and report.added == 0
    assert report.embedded >= 1, "the changed answer is embedded"
    assert report.embedded < 10, "unchanged text comes from the cache"
    assert writable_service.store.counts()["documents"] == before["documents"]
    top = writable_service.search(writable_service.make_request("Zwanenburgwijk", k=1, mode="lexical")).results[0]
    assert top.document["source"] == "leiden" and "Zwanenburgwijk" in top.answer
    assert top.document["id"] == report.document_ids[0]


def test_timings_are_named_for_what_they_measure(service):
    hybrid = service.search(service.make_request("scheefwonen sociale huurwoningen", mode="hybrid")).timings_ms
    assert {"lexical_ms", "encode_ms", "dense_ms", "total_ms"} == set(hybrid)
    # the FAISS search is timed apart from encoding the query: both fit once in the whole
    assert hybrid["encode_ms"] + hybrid["dense_ms"] <= hybrid["total_ms"]
    assert set(service.search(service.make_request("scheefwonen", mode="lexical")).timings_ms) == {"lexical_ms", "total_ms"}


def test_the_serving_index_records_the_unit_rules_it_was_built_with(indexed_settings):
    from nlp_service.index import generation
    from nlp_service.units import UNITS_RECIPE

    assert generation.serving_manifest(indexed_settings.home).units_recipe == UNITS_RECIPE >= 2


def test_reindex_with_nothing_changed_embeds_nothing(writable_service):
    report = writable_service.reindex()
    assert report.embedded == 0 and report.units > 1000


def test_cli_ingest_reports_a_bad_file_and_goes_on(writable_settings, data_dir, tmp_path, cli):
    bad = tmp_path / "batch"
    bad.mkdir()
    (bad / "kapot.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    shutil.copy(data_dir / "leiden" / "2020-02-03-sociaal-scheefwonen.txt", bad / "leiden.txt")
    result = cli("ingest", "-q", str(bad), settings=writable_settings)
    assert "kapot.pdf" in result.output
    assert "1 added" in result.output
    assert result.exit_code == 0


def test_cli_errors_are_one_line_without_traceback(tmp_path, model_dir, cli):
    result = cli("--home", tmp_path / "empty", "--model-dir", model_dir, "search", "scheefwonen")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: no ")  # an empty home: no store/index to search
    assert str(tmp_path / "empty") in lines[0] and "run `nlp-service ingest PATH`" in lines[0]  # names the fix


def test_cli_stats(indexed_settings, cli):
    result = cli("stats", "--json", settings=indexed_settings)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["documents"] > 250
    assert {row["source"] for row in data["by_collection_and_year"]} >= {"leiden", "tweedekamer-2024", "dekamer-2017"}


def test_cli_ingest_of_a_missing_path_says_not_found(tmp_path, model_dir, cli):
    missing = tmp_path / "bestaat-niet"
    result = cli("--home", tmp_path / "home", "--model-dir", model_dir, "ingest", "-q", missing)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error:") and "not found" in lines[0] and str(missing) in lines[0]


def test_cli_ingest_of_only_broken_files_exits_1_and_reports_them(tmp_path, model_dir, cli):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "kapot.pdf").write_bytes(b"%PDF-1.4 \x00\xff garbage, not really a pdf")
    result = cli("--home", tmp_path / "home", "--model-dir", model_dir, "ingest", "-q", batch)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"skipped {batch / 'kapot.pdf'}:" in result.stderr
    assert "0 added" in result.stdout and "1 failed" in result.stdout


@pytest.mark.parametrize("query", ["scheefwonen", "sociale huurwoningen", "xyzzyqwv",
                                   "Welke stappen denkt het college te nemen om niet alleen het goedkope scheefwonen "
                                   "te bestrijden maar nu vooral ook het sociale scheefwonen in de kwetsbare wijken?"])
def test_the_floor_judges_each_result_as_its_exact_cosine_would(service, query):
    """The search reads cosines from the dense candidates and skips units below the last one; judging
    every result from its stored vector instead gives the same verdicts."""
    from nlp_service.search import Ranked

    engine, request = service.engine, service.make_request(query, k=100)
    ranked = engine.rank_units(request)
    fast = engine.results(ranked, request, limit=100, snippets=False)
    exact = engine.results(Ranked(ranked.units, ranked.generation), request, limit=100, snippets=False)
    assert [r.match for r in fast] == [r.match for r in exact]
    assert all(r.similarity is not None for r in exact)


def test_letters_searched_mixed_when_their_weights_are_zero(service):
    """Both letter weights 0: one list per retriever over every kind of unit, letters among them."""
    mixed = Service(service.settings.replace(weight_letters_lexical=0.0, weight_letters_dense=0.0),
                    encoder=service.encoder).engine
    request = mixed.make_request("Wat doet de regering tegen de wachtlijsten in de psychiatrie?", k=10)
    rankings = mixed.candidate_rankings(request)
    assert set(rankings) == {"lexical", "dense"}
    kinds = {u.kind for u in service.store.get_units(uid for r in rankings.values() for uid, _ in r).values()}
    assert "letter" in kinds and "question" in kinds
    apart = service.engine.candidate_rankings(request)
    letters = service.store.get_units(uid for uid, _ in apart["dense:letter"])
    assert letters and {u.kind for u in letters.values()} == {"letter"}
    assert "letter" not in {u.kind for u in service.store.get_units(uid for uid, _ in apart["dense"]).values()}
