"""Crash safety, concurrent readers during a swap, and one writer at a time."""
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from nlp_service.documents import Document, Question
from nlp_service.embedding import EmbeddingCache
from nlp_service.index import generation as gen
from nlp_service.locking import WriteLock
from nlp_service.service import Service
from nlp_service.store import Store
from nlp_service.units import UnitDraft

DRIVER = Path(__file__).with_name("crash_driver.py")
NEW_LETTER = """Indiendatum: 5 mei 2021

Door: Anna de Vries

Inleiding over de nieuwe fietsenstalling bij het Stationsplein.

Vragen:

  1. Wanneer opent de ondergrondse fietsenstalling Lammenschans?

Anna de Vries
Partij Sleutelstad

Antwoorddatum: 1 juni 2021

Wanneer opent de ondergrondse fietsenstalling Lammenschans?

Antwoord: De fietsenstalling Lammenschans opent in september.
"""


def run_driver(settings, point, *args):
    env = dict(os.environ, NLP_SERVICE_HOME=str(settings.home), NLP_SERVICE_MODEL_DIR=str(settings.model_dir),
               NLP_SERVICE_CACHE=str(settings.cache_path))
    return subprocess.run([sys.executable, str(DRIVER), point, *args], env=env, capture_output=True,
                          text=True, timeout=300)


def search_sources(settings, query):
    service = Service(settings)
    return [r.document["external_id"] for r in service.search(service.make_request(query, k=3, mode="lexical")).results]


#: where a write dies before its first swap: the old generation still serves
BEFORE_SWAP = ["index-write", "swap"]
#: where it dies after the lexical generation is in: the new text is found by its words, and
#: (fill, fill-swap) some of its vectors are in the cache, so the next run embeds only the rest
AFTER_LEXICAL_SWAP = {"embedding": 0, "fill": 1, "fill-swap": 1}


def serving_coverage(settings) -> float:
    return gen.Generation.load(settings.home).dense_coverage  # loads and verifies every file


def assert_killed_write_leaves_a_serving_generation(settings, point, serving, new_query, new_id):
    assert gen.current_id(settings.home) is not None
    coverage = serving_coverage(settings)
    assert search_sources(settings, "scheefwonen sociale huurwoningen")[0] == "2020-02-03-sociaal-scheefwonen"
    if point in BEFORE_SWAP:
        assert gen.current_id(settings.home) == serving, "the old generation still serves"
        assert coverage == 1.0
    else:
        assert gen.current_id(settings.home) != serving, "the lexical generation was swapped in first"
        assert search_sources(settings, new_query)[0] == new_id, "found by its words before it is embedded"
        assert coverage < 1.0


def cached(settings) -> int:
    with EmbeddingCache(settings.cache_path) as cache:
        return cache.count()


def own_cache(settings, tmp_path):
    """An empty embedding cache: every text is embedded, so the counts below are exact."""
    return settings.replace(cache_file=str(tmp_path / "cache.sqlite"))


def assert_resumed(settings, point, rerun: list[str]):
    """The killed run kept the batches it embedded; the rerun embedded only the rest and completed the index."""
    assert cached(settings) == AFTER_LEXICAL_SWAP.get(point, 0), "what the killed run embedded is in the cache"
    before = cached(settings)
    finished = run_driver(settings, "none", *rerun)
    assert finished.returncode == 0, finished.stderr
    assert serving_coverage(settings) == 1.0
    assert not [p for p in gen.generations_dir(settings.home).iterdir() if p.name.endswith(".tmp")]
    assert f"({cached(settings) - before} newly embedded)" in finished.stdout, "resumed from the cache"


@pytest.mark.model
@pytest.mark.parametrize("point", [*BEFORE_SWAP, *AFTER_LEXICAL_SWAP])
def test_ingest_killed_keeps_a_serving_index_and_next_run_resumes(small_writable_settings, tmp_path, point):
    settings = own_cache(small_writable_settings, tmp_path)
    folder = tmp_path / "leiden"
    folder.mkdir()
    # A fresh word per run: text already in the (shared) embedding cache would skip the embedding step.
    (folder / "2021-05-05-fietsenstalling.txt").write_text(NEW_LETTER + f"Kenmerk {uuid.uuid4().hex}.\n",
                                                          encoding="utf-8")
    serving = gen.current_id(settings.home)
    counts = Store(settings.paths.store).counts()

    killed = run_driver(settings, point, "ingest", "-q", str(folder))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert_killed_write_leaves_a_serving_generation(settings, point, serving, "fietsenstalling Lammenschans",
                                                    "2021-05-05-fietsenstalling")
    assert Store(settings.paths.store).counts()["documents"] >= counts["documents"], "nothing stored is lost"

    assert_resumed(settings, point, ["ingest", "-q", str(folder)])
    assert gen.current_id(settings.home) != serving
    assert search_sources(settings, "fietsenstalling Lammenschans")[0] == "2021-05-05-fietsenstalling"


@pytest.mark.model
@pytest.mark.parametrize("point", [*BEFORE_SWAP, *AFTER_LEXICAL_SWAP])
def test_reindex_killed_keeps_a_serving_index_and_next_run_resumes(small_writable_settings, tmp_path, point):
    settings = own_cache(small_writable_settings, tmp_path)
    # A document in the store that the index does not have yet, so reindex must embed it.
    store = Store(settings.paths.store)
    doc = Document("leiden", "fietsenstalling", "Fietsenstalling", "2021-05-05",
                   questions=[Question("1", f"Wanneer opent de fietsenstalling Lammenschans ({uuid.uuid4().hex})?",
                                       f"De fietsenstalling Lammenschans opent in september ({uuid.uuid4().hex}).")])
    store.upsert_document(doc, [UnitDraft(0, "question", 0, doc.questions[0].text),
                                UnitDraft(0, "answer", 0, doc.questions[0].answer)])
    serving = gen.current_id(settings.home)

    killed = run_driver(settings, point, "reindex", "-q")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert_killed_write_leaves_a_serving_generation(settings, point, serving, "fietsenstalling Lammenschans",
                                                    "fietsenstalling")

    assert_resumed(settings, point, ["reindex", "-q"])
    assert search_sources(settings, "fietsenstalling Lammenschans")[0] == "fietsenstalling"


@pytest.mark.model
def test_searches_keep_answering_while_reindex_swaps(small_writable_settings):
    service = Service(small_writable_settings)
    service.warm_up()
    first = service.engine.generation().id
    errors, answered, seen = [], [0], set()
    stop = threading.Event()

    def search_loop():
        while not stop.is_set():
            try:
                results = service.search(service.make_request("sociale huurwoningen", k=5)).results
                assert results
                answered[0] += 1
                seen.add(service.engine.generation().id)
                time.sleep(0.01)  # a realistic request rate; a tight loop would starve the reindex of the GIL
            except Exception as exc:  # noqa: BLE001 - any error fails the test below
                errors.append(repr(exc))

    thread = threading.Thread(target=search_loop)
    thread.start()
    try:
        for _ in range(2):
            done = run_driver(small_writable_settings, "none", "reindex", "-q")
            assert done.returncode == 0, done.stderr
            time.sleep(0.3)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert errors == []
    assert answered[0] > 5
    assert first in seen and len(seen) >= 2, "the searcher moved to the new generation without a restart"


@pytest.mark.model
def test_second_writer_is_refused_with_a_clear_message(small_writable_settings, data_dir, cli):
    with WriteLock(small_writable_settings.home, "ingest"):
        result = cli("reindex", "-q", settings=small_writable_settings)
    assert result.exit_code == 1
    assert "another writer is running" in result.output and "ingest" in result.output
    assert "Traceback" not in result.output
    # and once the first writer is gone, writing works again
    assert Service(small_writable_settings).reindex().generation


def test_a_writer_waits_for_the_background_embeddings_turn(tmp_path):
    """The server's background embedding lets go of the lock between two batches: an ingest of
    another process waits for that turn instead of being refused for the whole fill."""
    from nlp_service.locking import BACKGROUND_PURPOSE

    taken = threading.Event()

    def one_batch():
        with WriteLock(tmp_path, BACKGROUND_PURPOSE):
            taken.set()
            time.sleep(0.5)

    batch = threading.Thread(target=one_batch)
    batch.start()
    taken.wait(5)
    started = time.monotonic()
    with WriteLock(tmp_path, "ingest"):
        waited = time.monotonic() - started
    batch.join()
    assert 0.2 < waited < 5


# --- bad homes, caches and settings: one line, nothing stored is touched -----


def one_line_error(result) -> str:
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: ")
    return line


def test_a_home_that_is_a_file_is_refused_in_one_line(tmp_path, cli):
    home = tmp_path / "home.txt"
    home.write_text("not a folder", encoding="utf-8")
    letter = tmp_path / "vragen.txt"
    letter.write_text(NEW_LETTER, encoding="utf-8")
    for args in (["ingest", "-q", str(letter)], ["reindex", "-q"], ["migrate"]):
        line = one_line_error(cli("--home", home, *args))
        assert f"cannot use {home} as the index home" in line, args
    assert home.read_text(encoding="utf-8") == "not a folder"


def test_reading_commands_never_create_a_home(tmp_path, cli):
    home = tmp_path / "typo"
    for args in (["search", "fietsenstalling"], ["stats"]):
        assert "no store in" in one_line_error(cli("--home", home, *args))
    assert not home.exists(), "a mistyped --home must not become a new, empty store"


@pytest.mark.model
def test_an_unusable_embedding_cache_stops_ingest_before_the_store_changes(small_writable_settings, tmp_path, cli):
    settings = small_writable_settings
    before = Store(settings.paths.store).counts()
    letter = tmp_path / "vragen.txt"
    letter.write_text(NEW_LETTER, encoding="utf-8")
    # a folder, not a cache file
    result = cli("ingest", "-q", letter, settings=settings, env={"NLP_SERVICE_CACHE": str(tmp_path)})
    assert f"embedding cache {tmp_path} cannot be used" in one_line_error(result)
    assert Store(settings.paths.store).counts() == before


@pytest.mark.parametrize("name,value", [("PORT", "70000"), ("MAX_UPLOAD_MB", "0"), ("MAX_QUERY_CHARS", "0")])
def test_out_of_range_settings_are_refused_in_one_line(tmp_path, cli, name, value):
    result = cli("--home", tmp_path, "stats", env={f"NLP_SERVICE_{name}": value})
    assert f"NLP_SERVICE_{name} must" in one_line_error(result)


class OtherWeights:
    """The same encoder under another model id: what a rebuilt model or another backend looks like."""

    model_id = "multilingual-e5-small/onnx-int8@0000000000ff"

    def __init__(self, encoder):
        self._encoder = encoder

    def __getattr__(self, name):
        return getattr(self._encoder, name)


@pytest.mark.model
def test_an_index_of_another_model_is_refused_until_reindexed(small_writable_settings, tmp_path):
    settings = small_writable_settings.replace(cache_file=str(tmp_path / "cache.sqlite"))
    other = OtherWeights(Service(settings).encoder)
    service = Service(settings, encoder=other)
    with pytest.raises(gen.IndexUnavailableError, match="built with .* but queries are encoded with .*reindex"):
        service.search(service.make_request("scheefwonen", mode="dense"))
    assert service.search(service.make_request("scheefwonen", mode="lexical")).results, "words need no model"
    # an ingest with nothing new still sees the index as stale, and rebuilds it with this model
    report = service.ingest_paths([])
    assert report.generation and report.embedded == report.units > 0
    assert gen.serving_manifest(settings.home).model_id == other.model_id
    assert service.search(service.make_request("scheefwonen", mode="dense")).results


@pytest.mark.model
def test_a_replaced_document_stays_findable_until_its_new_index_is_swapped_in(small_writable_settings, data_dir):
    """Between storing a new version and swapping in its index (minutes of embedding for a large
    batch), search serves the old generation: the unchanged units must still resolve."""
    from nlp_service import parsing
    from nlp_service.units import make_units

    settings = small_writable_settings
    service = Service(settings)
    [letter] = parsing.parse_path(data_dir / "leiden" / "2020-02-03-sociaal-scheefwonen.txt")
    assert "2020-02-03-sociaal-scheefwonen" in search_sources(settings, "scheefwonen")
    letter.questions[-1].answer = (letter.questions[-1].answer or "") + " Het college komt hier in juni op terug."
    units = make_units(letter, service.encoder.count_tokens, service.encoder.max_tokens)
    assert Store(settings.paths.store).upsert_document(letter, units)[1] == "replaced"
    # the serving generation is the old one: most of its unit ids must still exist
    assert gen.serving_manifest(settings.home).store_revision != Store(settings.paths.store).revision()
    assert "2020-02-03-sociaal-scheefwonen" in search_sources(settings, "scheefwonen")
    assert "2020-02-03-sociaal-scheefwonen" in search_sources(settings, "sociale huurwoningen scheefwonen")
