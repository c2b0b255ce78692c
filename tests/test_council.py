"""For council members: trend counts, Atom feeds and commitments, on the session index and on
hand-written letters."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import feedparser
import numpy as np
import pytest
from live_server import call

from nlp_service import nlp, parsing
from nlp_service.commitments import extract
from nlp_service.duedates import find_due
from nlp_service.search import SearchEngine
from nlp_service.service import Service
from nlp_service.trend import RELEVANCE_CUT, trend
from nlp_service.web import create_app

TRAIN_QUERY = "treinen vertraging NMBS spoorwegen"
GOLD = Path(__file__).parent / "data" / "commitments_gold.json"


# -- trend -----------------------------------------------------------------------


def independent_counts(engine: SearchEngine, query: str, party: str) -> tuple[Counter, Counter]:
    """Per year and per party: question units of ``party``'s documents (plain SQL) that share an
    index term with the query (the analyser, not FTS5) and whose stored vector (read back from
    FAISS) has cosine >= the cut with the encoded query (numpy)."""
    rows = engine.store.conn.execute(
        """SELECT u.id, u.text, substr(d.submitted, 1, 4), d.id FROM units u JOIN documents d ON d.id = u.document_id
           WHERE u.kind = 'question' AND d.id IN
             (SELECT document_id FROM document_people WHERE role = 'party' AND name = ? COLLATE NOCASE)""",
        (party,)).fetchall()
    index = engine.generation().dense.index
    vectors = np.vstack([index.reconstruct(int(row[0])) for row in rows])
    scores = vectors @ engine.encoder.encode_queries([query])[0]
    terms = set(nlp.index_terms(query))
    years, parties = Counter(), Counter()
    for (_, text, year, doc_id), score in zip(rows, scores):
        if score >= RELEVANCE_CUT and terms & set(nlp.index_terms(text)):
            years[year or "onbekend"] += 1
            for (name,) in engine.store.conn.execute(
                    "SELECT name FROM document_people WHERE role = 'party' AND document_id = ?", (doc_id,)):
                parties[name] += 1
    return years, parties


def busiest_party(engine: SearchEngine, query: str) -> str:
    by_party = trend(engine, engine.make_request(query))["by_party"]
    return by_party[0]["key"]


def test_trend_counts_agree_with_an_independent_count_over_the_store(engine):
    party = busiest_party(engine, TRAIN_QUERY)
    result = trend(engine, engine.make_request(TRAIN_QUERY, party=party))
    years, parties = independent_counts(engine, TRAIN_QUERY, party)
    assert result["total"] == sum(years.values()) > 3
    assert {s["key"]: s["count"] for s in result["by_year"]} == dict(years)
    assert {s["key"]: s["count"] for s in result["by_party"]} == dict(parties)
    # the filter bites: without it more questions match
    assert trend(engine, engine.make_request(TRAIN_QUERY))["total"] > result["total"]


def test_trend_api_returns_the_series_and_rejects_bad_input(base_url):
    reply = call(base_url, "/api/trend", params={"q": TRAIN_QUERY, "source": "dekamer-2017"})
    assert reply.status == 200
    data = reply.json()
    assert data["cut"] == RELEVANCE_CUT and data["total"] == sum(s["count"] for s in data["by_year"]) > 0
    assert [s["key"] for s in data["by_year"]] == sorted(s["key"] for s in data["by_year"])
    counts = [s["count"] for s in data["by_party"]]
    assert counts == sorted(counts, reverse=True)
    for params in ({}, {"q": TRAIN_QUERY, "since": "gisteren"}, {"q": TRAIN_QUERY, "since": "2020-01-01", "until": "2019-01-01"}):
        reply = call(base_url, "/api/trend", params=params)
        assert reply.status == 400 and "error" in reply.json()


def test_results_page_shows_the_chart_the_table_and_the_feed_link(base_url):
    text = call(base_url, "/", params={"q": TRAIN_QUERY}).text
    assert text.count('<svg class="trend-chart" role="img"') == 2
    assert '<div class="visually-hidden"><table>' in text and "<caption>Aantal vergelijkbare vragen" in text
    assert "Volg deze zoekopdracht</a>" in text
    assert '<link rel="alternate" type="application/atom+xml"' in text
    # without a query there is nothing to count
    assert "trend-chart" not in call(base_url, "/").text


# -- feeds -----------------------------------------------------------------------


def feed(client_or_url, **params) -> feedparser.FeedParserDict:
    if isinstance(client_or_url, str):
        reply = call(client_or_url, "/feeds/search.atom", params=params)
        assert reply.status == 200 and reply.headers.get_content_type() == "application/atom+xml"
        body = reply.body
    else:
        response = client_or_url.get("/feeds/search.atom", query_string=params)
        assert response.status_code == 200, response.data[:300]
        body = response.data
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_feed_is_valid_atom_with_an_entry_per_matching_question(base_url, engine):
    parsed = feed(base_url, q=TRAIN_QUERY, source="dekamer-2017")
    assert parsed.version == "atom10"
    assert parsed.feed.id.startswith("tag:") and parsed.feed.title and parsed.feed.updated
    assert parsed.feed.author and any(link.rel == "self" for link in parsed.feed.links)
    matching = trend(engine, engine.make_request(TRAIN_QUERY, source="dekamer-2017"))["total"]
    assert len(parsed.entries) == min(matching, 50) > 0
    ids = [e.id for e in parsed.entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("tag:nlp-service,2026:question/dekamer-2017/") for i in ids)
    updated = [e.updated for e in parsed.entries]
    assert updated == sorted(updated, reverse=True)  # newest first
    for entry in parsed.entries:
        assert entry.title and entry.link.startswith("http") and "/questions/" in entry.link and entry.summary


def test_feed_needs_a_query(base_url):
    assert call(base_url, "/feeds/search.atom").status == 400


def letter(submitted: str, author: str, party: str, answered: str | None, pairs: list[tuple[str, str]]) -> str:
    """A letter in the Leiden layout: header, numbered questions, signature, each question repeated
    with its answer."""
    questions = "\n".join(f"  {i}. {q}" for i, (q, _) in enumerate(pairs, start=1))
    answers = "\n\n".join(f"{q}\n\nAntwoord: {a}" for q, a in pairs)
    dated = f"Antwoorddatum: {answered}\n\n" if answered else ""
    return (f"Indiendatum: {submitted}\n\nDoor: {author}\n\nWij lazen in de krant over dit onderwerp.\n\n"
            f"Vragen:\n\n{questions}\n\n{author}\n{party}\n\n{dated}{answers}\n")


NEW_LETTER = letter("2 december 2026", "Jan Spoor", "Reizigerspartij", None, [
    ("Is het college bekend met de vertraging van de treinen van de NMBS op de spoorwegen?", "")])


def test_feed_entry_ids_survive_a_reindex_and_a_new_question_adds_one(writable_settings, engine):
    settings = writable_settings
    client = create_app(Service(settings, encoder=engine.encoder)).test_client()
    before = [e.id for e in feed(client, q=TRAIN_QUERY).entries]
    Service(settings, encoder=engine.encoder).reindex()
    client = create_app(Service(settings, encoder=engine.encoder)).test_client()
    assert [e.id for e in feed(client, q=TRAIN_QUERY).entries] == before

    document = parsing.parse_text(NEW_LETTER, source="raad", external_id="2026-12-02-treinen", title="Treinen")
    Service(settings, encoder=engine.encoder).add_documents([document])
    client = create_app(Service(settings, encoder=engine.encoder)).test_client()
    after = feed(client, q=TRAIN_QUERY).entries
    assert after[0].id == "tag:nlp-service,2026:question/raad/2026-12-02-treinen/0"  # the newest
    assert after[0].author == "Jan Spoor"
    assert [e.id for e in after[1:]] == before[: len(after) - 1]  # the rest unchanged


# -- commitments -----------------------------------------------------------------


def test_commitment_found_in_the_leiden_seed_letter(data_dir):
    (document,) = parsing.parse_path(next((data_dir / "leiden").iterdir()))
    found = [(q.number, c) for q in document.questions for c in extract(q.answer, document.answered)]
    assert [n for n, _ in found] == ["2"]
    number, commitment = found[0]
    assert commitment.sentence.startswith("De Prestatieafspraken worden in het eerste kwartaal afgerond")
    assert commitment.due.text == "in het eerste kwartaal" and commitment.due.date == "2020-03-31"


LETTER_WITH_DATES = letter("2 februari 2021", "Anna de Vries", "GroenLinks", "2 maart 2021", [
    ("Wat doet het college aan zwerfvuil?",
     "Het college heeft in 2019 extra prullenbakken geplaatst. "
     "Wij zullen in het eerste kwartaal van 2022 een nieuw plan presenteren."),
    ("Komt er een evaluatie?",
     "Ja. Het college zal de aanpak eind 2021 evalueren. "
     "Als de raad dat wenst, zou het college ook de wijken kunnen betrekken."),
    ("Wanneer hoort de raad meer?",
     "Wij informeren de raad voor de zomer over de resultaten. Ik zeg toe dat de raad voor 1 juli de cijfers ontvangt."),
])

LETTER_WITHOUT_DATES = letter("10 mei 2023", "Piet Bakker", "Partij voor de Fiets", None, [
    ("Komen er meer plekken?",
     "Wij zullen de NS vragen om extra plekken bij het station. De minister zal hierover worden geïnformeerd."),
    ("Wat vindt het college van weesfietsen?",
     "Wij blijven de situatie volgen. Het college heeft vorig jaar 300 weesfietsen verwijderd. "
     "Mocht het aantal stijgen, dan zal het college ingrijpen."),
])


def commitments_of(text: str) -> list[tuple[str, str, str | None, str | None]]:
    document = parsing.parse_text(text, source="raad", external_id="test", title="Test")
    reference = document.answered or document.submitted
    return [(q.number, c.sentence, c.due.text if c.due else None, c.due.date if c.due else None)
            for q in document.questions for c in extract(q.answer, reference)]


def test_commitments_with_due_dates_in_a_handwritten_letter():
    assert commitments_of(LETTER_WITH_DATES) == [
        ("1", "Wij zullen in het eerste kwartaal van 2022 een nieuw plan presenteren.",
         "in het eerste kwartaal van 2022", "2022-03-31"),
        ("2", "Het college zal de aanpak eind 2021 evalueren.", "eind 2021", "2021-12-31"),
        ("3", "Wij informeren de raad voor de zomer over de resultaten.", "voor de zomer", "2021-07-01"),
        ("3", "Ik zeg toe dat de raad voor 1 juli de cijfers ontvangt.", "voor 1 juli", "2021-07-01"),
    ]


def test_commitments_without_due_dates_and_what_is_not_one():
    # continuing (blijven), the past (heeft verwijderd) and a condition (mocht ... zal) are no commitments
    assert commitments_of(LETTER_WITHOUT_DATES) == [
        ("1", "Wij zullen de NS vragen om extra plekken bij het station.", None, None),
        ("1", "De minister zal hierover worden geïnformeerd.", None, None),
    ]


@pytest.mark.parametrize("phrase, reference, text, date", [
    ("Wij informeren u voor de zomer.", "2021-09-01", "voor de zomer", "2022-07-01"),  # this summer has passed
    ("Ik kom daar in het eerste kwartaal op terug.", "2020-03-11", "in het eerste kwartaal", "2020-03-31"),
    ("Het plan komt voor 1 juli.", "2024-08-01", "voor 1 juli", "2025-07-01"),
    ("Dat gebeurt eind 2024.", None, "eind 2024", "2024-12-31"),
    ("Dat gebeurt begin 2025.", None, "begin 2025", "2025-03-31"),
    ("De resultaten volgen in het najaar van 2025.", None, "in het najaar van 2025", "2025-11-30"),
    ("Eind mei is het rapport er.", "2017-03-01", "Eind mei", "2017-05-31"),
    ("Ik doe dat binnenkort.", "2017-03-01", "binnenkort", None),
    ("Dat kan nog dit jaar.", "2017-03-01", "nog dit jaar", "2017-12-31"),
])
def test_due_phrases_become_dates(phrase, reference, text, date):
    due = find_due(phrase, reference)
    assert (due.text, due.date) == (text, date)


def test_commitments_api_links_each_to_its_question_and_letter(base_url):
    data = call(base_url, "/api/commitments", params={"source": "leiden"}).json()
    assert data["answers_in_scope"] == 6
    (commitment,) = data["commitments"]
    assert commitment["due"] == {"text": "in het eerste kwartaal", "date": "2020-03-31", "kind": "quarter"}
    assert commitment["document"]["external_id"] == "2020-02-03-sociaal-scheefwonen"
    assert commitment["question"]["number"] == "2" and commitment["date"] == "2020-03-11"
    question = call(base_url, f"/api/questions/{commitment['question']['id']}").json()
    assert commitment["sentence"] in question["answer"]
    # a query narrows to matching questions; bad filters are 400
    assert call(base_url, "/api/commitments", params={"q": "scheefwonen sociale huurwoningen",
                                                       "source": "leiden"}).json()["commitments"]
    assert call(base_url, "/api/commitments", params={"since": "morgen"}).status == 400
    assert call(base_url, "/api/commitments", params={"k": "0"}).status == 400


def test_commitments_page_lists_them_with_links(base_url):
    reply = call(base_url, "/toezeggingen", params={"source": "leiden"})
    assert reply.status == 200
    text = reply.text
    assert "<h1" in text and "Toezeggingen" in text and text.count('<article class="commitment"') == 1
    assert "in het eerste kwartaal (uiterlijk 31 maart 2020)" in text and 'href="/questions/' in text
    assert call(base_url, "/toezeggingen", params={"until": "nooit"}).status == 400
    assert 'href="/toezeggingen"' in call(base_url, "/").text  # reachable from every page


def test_gold_sample_is_well_formed():
    records = json.loads(GOLD.read_text(encoding="utf-8"))["records"]
    assert len(records) >= 150 and len({r["id"] for r in records}) == len(records)
    assert {r["split"] for r in records} == {"dev", "heldout"}
    for record in records:
        for commitment in record["commitments"]:
            assert 0 <= commitment["sentence"] < len(record["sentences"])


# -- command line ----------------------------------------------------------------


def test_cli_trend_and_commitments(engine, cli):
    expected = trend(engine, engine.make_request(TRAIN_QUERY, source="dekamer-2017"))
    result = cli("trend", TRAIN_QUERY, "--source", "dekamer-2017", "--json", settings=engine.settings)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == expected
    result = cli("trend", TRAIN_QUERY, "--source", "dekamer-2017", "--by", "party", settings=engine.settings)
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{expected['total']} matching questions")
    assert [line.split()[-2] for line in lines[1:]] == [str(s["count"]) for s in expected["by_party"]]

    result = cli("commitments", "--source", "leiden", "--json", settings=engine.settings)
    assert result.exit_code == 0, result.output
    (commitment,) = json.loads(result.output)["commitments"]
    assert commitment["due"]["date"] == "2020-03-31"
    assert "in het eerste kwartaal" in cli("commitments", "--source", "leiden", settings=engine.settings).output

    for args in (["trend", ""], ["commitments", "--since", "gisteren"]):
        result = cli(*args, settings=engine.settings)
        assert result.exit_code == 1 and result.output.startswith("Error: "), result.output
