"""The search core and the write path on real data: ranking, filters, idempotency, replacement."""
import json
import shutil
import uuid

import pytest
from click.testing import CliRunner

from nlp_service.cli import main
from nlp_service.pipeline import Indexer
from nlp_service.search import QueryError, SearchEngine

pytestmark = pytest.mark.model


def cli(settings, *args):
    return CliRunner().invoke(main, ["--home", str(settings.home), "--model-dir", str(settings.model_dir), *args],
                              env={"NLP_SERVICE_CACHE": str(settings.cache_path)})


def test_leiden_document_first_for_its_subject(engine):
    response = engine.search(engine.make_request("scheefwonen sociale huurwoningen", k=5))
    top = response.results[0]
    assert top.document["source"] == "leiden"
    assert "Partij Sleutelstad" in top.document["parties"]


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_each_mode_finds_the_leiden_letter_for_a_paraphrase(engine, mode):
    query = "Wat doet de gemeente tegen verloederde wijken met veel goedkope huurwoningen?"
    results = engine.search(engine.make_request(query, k=10, mode=mode)).results
    assert "leiden" in [r.document["source"] for r in results]


def test_short_typed_queries_weigh_bm25_more_than_pasted_ones(engine):
    settings = engine.settings.replace(weight_lexical=0.75, weight_lexical_short=2.0, short_query_words=3)
    tuned = SearchEngine(settings, encoder=engine.encoder)
    assert tuned.weights_for("vuurwerk verbod oudjaar") == {"lexical": 2.0, "dense": 1.0}
    assert tuned.weights_for("is het college bereid vuurwerk te verbieden") == {"lexical": 0.75, "dense": 1.0}
    # the weights reach the fusion: with BM25 silenced a short query ranks as dense alone
    silenced = SearchEngine(settings.replace(weight_lexical_short=0.0), encoder=engine.encoder)
    request = silenced.make_request("vuurwerk verbod", k=10)
    rankings = silenced.candidate_rankings(request)
    assert [uid for uid, _ in silenced.fuse(rankings, request.query)][:10] == [uid for uid, _ in rankings["dense"]][:10]


def test_search_json_schema(indexed_settings):
    result = cli(indexed_settings, "search", "vuurwerk verbod", "-k", "3", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"query", "results"} and data["query"] == "vuurwerk verbod"
    assert 1 <= len(data["results"]) <= 3
    for item in data["results"]:
        assert set(item) == {"score", "document", "question", "answer", "matched"}
        assert set(item["document"]) == {"id", "external_id", "title", "submitted", "answered",
                                         "authors", "parties", "source"}
        assert {"number", "text"} <= set(item["question"])
        assert item["matched"] in ("question", "answer")
        assert item["answer"] is None or isinstance(item["answer"], str)
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)


def test_one_document_does_not_flood_the_results(engine):
    results = engine.search(engine.make_request("sociale huurwoningen wijken leefbaarheid", k=20)).results
    per_doc = {}
    for r in results:
        per_doc[r.document["id"]] = per_doc.get(r.document["id"], 0) + 1
    assert max(per_doc.values()) <= engine.settings.per_document
    questions = [r.question["id"] for r in results]
    assert len(questions) == len(set(questions)), "one result per question"


def test_party_filter_applies_before_the_cut(engine):
    # the rarest party among letters that hold questions (a postponement notice has none to find)
    rare = engine.store.conn.execute(
        """SELECT p.name FROM document_people p WHERE p.role = 'party'
           AND EXISTS (SELECT 1 FROM questions q WHERE q.document_id = p.document_id)
           GROUP BY p.name ORDER BY count(DISTINCT p.document_id), p.name LIMIT 1""").fetchone()[0]
    results = engine.search(engine.make_request("belastingen", k=5, party=rare)).results
    assert results, f"filtering on {rare} must still return results"
    assert all(rare.lower() in [p.lower() for p in r.document["parties"]] for r in results)


def test_date_filters(engine):
    results = engine.search(engine.make_request("spoorwegen treinen", k=10, since="2017-01-01",
                                                until="2017-12-31")).results
    assert results
    assert all("2017-01-01" <= r.document["submitted"] <= "2017-12-31" for r in results)
    assert engine.search(engine.make_request("spoorwegen", k=10, until="1990-01-01")).results == []


def test_sort_by_date(engine):
    results = engine.search(engine.make_request("ministerie beleid", k=10, sort="date")).results
    dates = [r.document["submitted"] or "" for r in results]
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
def test_bad_requests_are_refused_with_a_clear_message(engine, params, message):
    with pytest.raises(QueryError, match=message):
        engine.make_request(**params)


def test_more_like_this_excludes_its_own_document(engine):
    top = engine.search(engine.make_request("scheefwonen sociale huurwoningen", k=1)).results[0]
    question = engine.get_question(top.question["id"])
    assert question["document"]["id"] == top.document["id"]
    assert 1 <= len(question["similar"]) <= 5
    assert all(s["document"]["id"] != top.document["id"] for s in question["similar"])


def test_ingesting_the_same_files_again_changes_nothing(writable_settings, data_dir):
    indexer = Indexer(writable_settings)
    before = indexer.store.counts()
    report = indexer.ingest_paths([data_dir / "leiden", data_dir / "tweedekamer-2024" / "documents.csv"])
    assert report.added == 0 and report.replaced == 0 and report.unchanged >= 87
    assert report.generation is None, "nothing changed: no new index generation"
    assert indexer.store.counts() == before


def test_changed_document_replaces_the_old_version(writable_settings, data_dir, tmp_path):
    folder = tmp_path / "leiden"
    folder.mkdir()
    original = (data_dir / "leiden" / "2020-02-03-sociaal-scheefwonen.txt").read_text(encoding="utf-8")
    # a fresh word per run: the embedding cache is kept between local runs
    edited = original.replace("Antwoord: Ja, het College is bekend met dit rapport.",
                              f"Antwoord: Ja, het College kent het rapport over de Zwanenburgwijk ({uuid.uuid4().hex}).")
    assert edited != original
    (folder / "2020-02-03-sociaal-scheefwonen.txt").write_text(edited, encoding="utf-8")
    indexer = Indexer(writable_settings)
    before = indexer.store.counts()
    report = indexer.ingest_paths([folder])
    assert report.replaced == 1 and report.added == 0
    assert report.embedded >= 1, "the changed answer is embedded"
    assert report.embedded < 10, "unchanged text comes from the cache"
    assert indexer.store.counts()["documents"] == before["documents"]
    engine = SearchEngine(writable_settings)
    top = engine.search(engine.make_request("Zwanenburgwijk", k=1, mode="lexical")).results[0]
    assert top.document["source"] == "leiden" and "Zwanenburgwijk" in top.answer
    assert top.document["id"] == report.document_ids[0]


def test_reindex_with_nothing_changed_embeds_nothing(writable_settings):
    report = Indexer(writable_settings).reindex()
    assert report.embedded == 0 and report.units > 1000


def test_cli_ingest_reports_a_bad_file_and_goes_on(writable_settings, data_dir, tmp_path):
    bad = tmp_path / "batch"
    bad.mkdir()
    (bad / "kapot.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    shutil.copy(data_dir / "leiden" / "2020-02-03-sociaal-scheefwonen.txt", bad / "leiden.txt")
    result = cli(writable_settings, "ingest", "-q", str(bad))
    assert "kapot.pdf" in result.output
    assert "1 added" in result.output
    assert result.exit_code == 0


def test_cli_errors_are_one_line_without_traceback(tmp_path, model_dir):
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "empty"), "--model-dir", str(model_dir),
                                       "search", "scheefwonen"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: no ")  # an empty home: no store/index to search
    assert str(tmp_path / "empty") in lines[0] and "run `nlp-service ingest PATH`" in lines[0]  # names the fix


def test_cli_stats(indexed_settings):
    result = cli(indexed_settings, "stats", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["documents"] > 250
    assert {row["source"] for row in data["by_collection_and_year"]} >= {"leiden", "tweedekamer-2024", "dekamer-2017"}


def test_cli_ingest_of_a_missing_path_says_not_found(tmp_path, model_dir):
    missing = tmp_path / "bestaat-niet"
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "--model-dir", str(model_dir),
                                       "ingest", "-q", str(missing)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error:") and "not found" in lines[0] and str(missing) in lines[0]


def test_cli_ingest_of_only_broken_files_exits_1_and_reports_them(tmp_path, model_dir):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "kapot.pdf").write_bytes(b"%PDF-1.4 \x00\xff garbage, not really a pdf")
    result = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "--model-dir", str(model_dir),
                                       "ingest", "-q", str(batch)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"skipped {batch / 'kapot.pdf'}:" in result.stderr
    assert "0 added" in result.stdout and "1 failed" in result.stdout
