"""Lexical first, the dense index in the background: search answers throughout, results improve
as the coverage grows, uploads are found by their words on return, every surface says how much
is embedded, and a folder is ingested when it changes."""
from __future__ import annotations

import json
import threading
import time

import pytest
from live_server import API_TOKEN

from nlp_service import progressive
from nlp_service.embedding import EmbeddingCache
from nlp_service.index import generation as gen
from nlp_service.service import Service
from nlp_service.store import Store
from nlp_service.watch import watch
from nlp_service.web import create_app

pytestmark = pytest.mark.model
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
#: a pasted question: both retrievers count for it, so the missing vectors change the ranking
QUERY = "Wat doet het kabinet om de wachttijden in de jeugdzorg te verkorten?"
LEFT_OUT_DOCUMENTS = 8  # the best documents for QUERY start without vectors: ~100 units to embed
UPLOAD = """Vragen:

  1. Is het college bekend met de kwallenplaag bij het Zuiderstrand van {word}?

Antwoord: Ja, de strandwacht plaatst waarschuwingsborden.
"""


def top_letters(service: Service, query: str = QUERY, mode: str = "hybrid", k: int = 10) -> list[int]:
    """The letters of the top ``k``, one result each. Letters, not the questions shown: near-tied
    questions of one letter may trade places (seen on a clean clone: questions 71 and 72 of one letter)."""
    return [r.document["id"] for r in service.search(service.make_request(query, k=k, mode=mode)).results]


@pytest.fixture
def partial_settings(writable_settings, service, tmp_path):
    """A copy of the session index whose own embedding cache lacks the vectors of the documents
    that answer QUERY best, swapped in lexically first: dense search covers the rest only."""
    settings = writable_settings.replace(cache_file=str(tmp_path / "cache.sqlite"), api_token=API_TOKEN,
                                         swap_seconds=0)
    best = {r.document["id"] for r in service.search(service.make_request(QUERY, k=30)).results}
    left_out = sorted(best)[:LEFT_OUT_DOCUMENTS]
    units = [u for u in Store(settings.paths.store).iter_units() if u.document_id not in left_out]
    model = service.encoder.model_id
    with EmbeddingCache(service.settings.cache_path) as shared, EmbeddingCache(settings.cache_path) as own:
        found = shared.get_many(model, [u.text for u in units])
        own.put_many(model, [units[i].text for i in found], [found[i] for i in found])
    report = Service(settings, encoder=service.encoder).reindex(embed=False)
    assert 0.5 < report.dense_coverage < 1 and report.pending > 20, report
    return settings


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(progressive, "FILL_BATCH", 16)


def test_search_answers_during_background_embedding_and_improves_with_coverage(partial_settings, service,
                                                                               small_batches):
    reference = top_letters(service)  # the same corpus with every vector
    background = Service(partial_settings, encoder=service.encoder)
    before = top_letters(background)
    assert before and before != reference, "without their vectors the best documents rank otherwise"
    seen: list[tuple[float, list[int]]] = []
    background.start_background()
    try:
        while not background.background.wait_idle(0.05):
            response = background.search(background.make_request(QUERY, k=10))
            assert response.results, "search answers while the dense index fills"
            seen.append((response.dense_coverage, [r.document["id"] for r in response.results]))
    finally:
        background.close()
    assert background.background is None and not [t for t in threading.enumerate()
                                                    if t.name == "background-embedding"]
    coverages = [c for c, _ in seen]
    assert coverages == sorted(coverages), "coverage only grows"
    assert any(coverages[0] < c < 1 for c in coverages), "generations with part of the vectors were swapped in"
    assert background.dense_coverage() == 1.0
    # complete: the results of an index built whole, but for near-ties (the background encoder runs
    # on one thread fewer, and the sums of its int8 matrix products are ordered otherwise)
    final = top_letters(background)
    # (seen on a clean clone: ranks 3 and 4 swapped), so the best result is the same and the next two stay in the top 4
    assert len(set(final) & set(reference)) >= len(reference) - 1 and final[0] == reference[0]
    assert set(reference[:3]) <= set(final[:4])
    overlap = [len(set(ids) & set(reference)) for _, ids in seen]
    assert overlap[0] < len(set(final) & set(reference)), "the results improved as the coverage grew"


def test_coverage_is_reported_on_every_surface(partial_settings, service, cli):
    coverage = gen.serving_manifest(partial_settings.home).dense_coverage
    assert 0 < coverage < 1
    client = create_app(Service(partial_settings, encoder=service.encoder)).test_client()
    assert client.get("/health").get_json()["dense_coverage"] == round(coverage, 4)
    stats = client.get("/api/stats").get_json()
    assert stats["dense_coverage"] == stats["index"]["dense_coverage"] == round(coverage, 4)
    assert client.get("/api/search", query_string={"q": "jeugdzorg"}).get_json()["dense_coverage"] == round(coverage, 4)
    page = client.get("/").get_data(as_text=True)
    assert f"semantisch doorzoekbaar: {int(coverage * 100)}%" in page
    printed = cli("search", "jeugdzorg", "--json", settings=partial_settings)
    assert json.loads(printed.output)["dense_coverage"] == round(coverage, 4)
    assert f"{coverage:.0%} of the units embedded" in cli("stats", settings=partial_settings).output


def test_an_api_upload_is_found_by_its_words_on_return_and_embedded_behind(partial_settings, service):
    server = Service(partial_settings, encoder=service.encoder)
    server.start_background()
    try:
        client = create_app(server).test_client()
        word = f"Zeewijk{int(time.time() * 1000) % 10**9}"
        started = time.perf_counter()
        answer = client.post("/api/documents", json={"text": UPLOAD.format(word=word), "source": "upload"},
                             headers=AUTH)
        returned = time.perf_counter() - started
        assert answer.status_code == 201, answer.get_json()
        report = answer.get_json()["report"]
        assert report["pending"] >= 2 and report["dense_coverage"] < 1, "the embedding was left to the thread"
        found = client.get("/api/search", query_string={"q": f"kwallenplaag {word}", "mode": "lexical"}).get_json()
        assert found["results"][0]["document"]["id"] == answer.get_json()["ids"][0], f"returned after {returned:.1f} s"
        assert server.background.wait_idle(600)
        assert server.background.error is None
        assert client.get("/health").get_json()["dense_coverage"] == 1.0
        dense = client.get("/api/search", query_string={"q": f"kwallen op het strand van {word}", "mode": "dense"})
        assert answer.get_json()["ids"][0] in [r["document"]["id"] for r in dense.get_json()["results"]]
    finally:
        server.close()


def test_a_write_without_embedding_is_completed_by_the_next_ingest(partial_settings, service, tmp_path):
    """A killed or lexical-only ingest leaves the fill to the next write, which resumes from the cache."""
    writer = Service(partial_settings, encoder=service.encoder)
    pending = writer.ingest_paths([]).embedded
    assert pending > 20 and writer.dense_coverage() == 1.0
    assert writer.ingest_paths([]).embedded == 0 and writer.ingest_paths([]).generation is None, "nothing left"


def test_a_swap_that_only_adds_vectors_reuses_the_lexical_file(partial_settings, service):
    writer = Service(partial_settings, encoder=service.encoder)
    first = writer.engine.generation()
    with writer.indexer.writing("test"):
        fill = writer.indexer.start_fill()
        try:
            fill.step(8)  # swaps: the interval is 0
        finally:
            fill.close()
    second = writer.engine.generation()
    assert second.id != first.id and second.dense_coverage > first.dense_coverage
    assert gen.same_file(first.folder / gen.LEXICAL_FILE, second.folder / gen.LEXICAL_FILE)
    assert len(fill.swap_seconds) == 1 and fill.swap_seconds[0] < 5, fill.swap_seconds


def test_watch_ingests_a_folder_when_it_changes(small_writable_settings, service, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "2021-05-05-meeuwen.txt").write_text(UPLOAD.format(word="Meeuwenwijk"), encoding="utf-8")
    writer = Service(small_writable_settings, encoder=service.encoder)
    lines: list[str] = []

    def a_file_lands(_seconds: float) -> None:  # between two polls an export lands in the folder
        if len(lines) == 1 and not (folder / "2021-06-01-kwallen.txt").exists():
            (folder / "2021-06-01-kwallen.txt").write_text(UPLOAD.format(word="Kwallenwijk"), encoding="utf-8")

    watch(lambda: writer.ingest_paths([folder], source="inbox").summary(), [folder], lines.append,
          interval=0, polls=4, sleep=a_file_lands)
    assert len(lines) == 2, lines  # the first poll, then the one after the new file; unchanged polls do nothing
    assert "1 added" in lines[0] and "1 added, 0 replaced, 1 unchanged" in lines[1]
    assert top_letters(writer, "kwallenplaag Kwallenwijk", mode="lexical", k=1)


def test_ingest_no_embed_returns_lexically_searchable_and_the_next_ingest_embeds(small_writable_settings, tmp_path,
                                                                                 cli):
    settings = small_writable_settings.replace(cache_file=str(tmp_path / "cache.sqlite"))
    letter = tmp_path / "inbox" / "2021-05-05-kwallen.txt"
    letter.parent.mkdir()
    letter.write_text(UPLOAD.format(word="Strandwijk"), encoding="utf-8")
    first = cli("ingest", "-q", "--no-embed", letter, settings=settings)
    assert first.exit_code == 0 and "texts to embed in the background" in first.output, first.output
    assert gen.serving_manifest(settings.home).dense_coverage == 0.0, "an empty cache: nothing embedded yet"
    assert top_letters(Service(settings), "kwallenplaag Strandwijk", mode="lexical", k=1)
    second = cli("ingest", "-q", letter, settings=settings)
    assert "1 unchanged" in second.output and "(0 newly embedded)" not in second.output, second.output
    assert gen.serving_manifest(settings.home).dense_coverage == 1.0
