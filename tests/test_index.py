"""Index parts without the model: RRF, grouping, BM25 over FTS5, FAISS, generations."""
import numpy as np
import pytest

from nlp_service.index import generation as gen
from nlp_service.index.dense import DenseIndex, choose_index_type
from nlp_service.index.fusion import group_results, reciprocal_rank_fusion
from nlp_service.index.lexical import LexicalIndex, query_expression

TEXTS = {
    1: "Sociale huurwoningen en scheefwonen in Leiden",
    2: "De verhuurdersheffing kost corporaties miljarden",
    3: "Treinen van de NMBS rijden te laat op de spoorlijn",
    4: "Scheefwonen: huurders met een hoger inkomen in een sociale huurwoning",
    5: "Wachttijden voor een sociale woning lopen op",
}


def test_rrf_matches_hand_computation():
    fused = reciprocal_rank_fusion({"a": [1, 2, 3], "b": [3, 1]}, {"a": 1.0, "b": 2.0}, k=10)
    expected = {1: 1 / 11 + 2 / 12, 2: 1 / 12, 3: 1 / 13 + 2 / 11}
    assert [i for i, _ in fused] == sorted(expected, key=lambda i: -expected[i])
    for item, score in fused:
        assert score == pytest.approx(expected[item])


def test_rrf_zero_weight_ignores_a_ranking():
    assert [i for i, _ in reciprocal_rank_fusion({"a": [1, 2], "b": [2, 1]}, {"a": 1, "b": 0})] == [1, 2]


def test_grouping_keeps_best_unit_per_question_and_caps_documents():
    scored = [(10, 0.9), (11, 0.8), (12, 0.7), (13, 0.6), (14, 0.5), (15, 0.4)]
    question = {10: 1, 11: 1, 12: 2, 13: 3, 14: 4, 15: 5}
    document = {10: 1, 11: 1, 12: 1, 13: 1, 14: 2, 15: 2}
    kept = group_results(scored, question.get, document.get, limit=10, per_document=2)
    assert [u for u, _ in kept] == [10, 12, 14, 15]
    assert len(group_results(scored, question.get, document.get, limit=2, per_document=2)) == 2


@pytest.fixture
def lexical(tmp_path):
    index = LexicalIndex.build(tmp_path / "lex.sqlite", TEXTS.items())
    return index, index.connect()


def test_bm25_finds_stemmed_matches_best_first(lexical):
    index, conn = lexical
    hits = index.search(conn, "scheefwonen in sociale huurwoningen", 10)
    ids = [i for i, _ in hits]
    assert set(ids[:2]) == {1, 4}
    assert 3 not in ids
    assert all(a[1] >= b[1] for a, b in zip(hits, hits[1:]))


def test_bm25_applies_filter_before_cut(lexical):
    index, conn = lexical
    assert [i for i, _ in index.search(conn, "sociale woning", 1, allowed_ids=[5])] == [5]
    assert index.search(conn, "sociale woning", 5, allowed_ids=[]) == []


@pytest.mark.parametrize("query", ['"', "*", "NEAR(a b)", "'; DROP TABLE postings; --", "a OR", "AND",
                                   "huur* -woning", "\x00\x01", "^scheef", "{col}: x"])
def test_fts5_syntax_in_queries_is_inert(lexical, query):
    index, conn = lexical
    index.search(conn, query, 5)  # must not raise
    assert index.search(conn, "verhuurdersheffing", 1)[0][0] == 2


def test_terms_split_glued_words_and_keep_numbers_whole(tmp_path):
    from nlp_service import nlp

    text = "De halal-problematiek veranderen.Verschillende 3,5 30.000 2016-2017 2024Z12345"
    assert nlp.tokens(text) == ["de", "halal", "problematiek", "veranderen", "verschillende", "3,5", "30.000",
                                "2016-2017", "2024z12345"]
    index = LexicalIndex.build(tmp_path / "glued.sqlite", [(1, "De halal-problematiek in slachthuizen."),
                                                           (2, "Het beleid moet veranderen.Verschillende partijen")])
    conn = index.connect()
    assert [i for i, _ in index.search(conn, "halal", 5)] == [1]
    assert [i for i, _ in index.search(conn, "verschillende", 5)] == [2]


@pytest.mark.parametrize("word, parts", [
    ("huurwoningtoewijzing", ("huur", "woning", "toewijzing")),
    ("gevangenisoverbevolking", ("gevangenis", "overbevolking")),
    ("parkeervergunningenbeleid", ("parkeer", "vergunning", "beleid")),
    ("verkeersveiligheid", ("verkeer", "veiligheid")),      # a linking s
    ("organisatie", ()), ("beschikbaarheid", ()),           # common words stay whole
    ("onderzoek", ()), ("samenwerking", ()),                # no particle as a part
    ("woning", ()), ("2024z12345", ()),                     # too short; not letters
])
def test_compounds_split_into_known_words(word, parts):
    from nlp_service import decompound

    assert decompound.split(word) == parts


def test_compound_parts_are_indexed_beside_the_whole_word(tmp_path):
    """Index and query side alike: a compound finds its parts and the parts find the compound."""
    from nlp_service import nlp

    terms = nlp.index_terms("huurwoningtoewijzing")
    assert terms[0] == nlp.stem("huurwoningtoewijzing") and nlp.stem("woning") in terms
    assert nlp.index_terms("huurwoningtoewijzing", compound_parts=False) == terms[:1]
    index = LexicalIndex.build(tmp_path / "parts.sqlite", [(1, "De toewijzing van sociale huurwoningen"),
                                                           (2, "Het gevangenisbeleid"), (3, "Treinen")])
    conn = index.connect()
    assert [i for i, _ in index.search(conn, "huurwoningtoewijzing", 5)] == [1]
    assert [i for i, _ in index.search(conn, "gevangenis", 5)] == [2]


def test_query_of_only_stopwords_has_no_expression():
    assert query_expression("de het een en van") is None


def test_dense_search_with_stable_ids_and_selector():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(1000, 1050)
    index = DenseIndex.build(vectors, ids, dim=16)
    assert index.search(vectors[7], 1)[0][0] == 1007
    allowed = [1003, 1040]
    assert {i for i, _ in index.search(vectors[7], 5, allowed)} == set(allowed)


@pytest.mark.parametrize("kind", ["hnsw", "ivfpq"])
def test_a_selective_filter_still_gets_its_candidates_from_approximate_indexes(kind):
    """One allowed vector in 100 (a few months out of decades): the search widens, candidates do not run dry."""
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(8_000, 48)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = DenseIndex.build(vectors, np.arange(1, 8_001), 48, kind=kind)
    allowed = list(range(1, 8_001, 100))
    query = vectors[4]
    found = [i for i, _ in index.search(query, 20, allowed)]
    assert len(found) == 20 and set(found) <= set(allowed)
    exact = sorted(allowed, key=lambda i: -float(vectors[i - 1] @ query))[:20]
    if kind == "hnsw":  # PQ scores are approximate by design; HNSW's graph walk is not
        assert len(set(found) & set(exact)) >= 18


def test_index_type_rule():
    assert choose_index_type(30_000) == "flat"
    assert choose_index_type(1_000_000) == "hnsw"
    assert choose_index_type(5_000_000) == "ivfpq"


def write_small_generation(home, n=20):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(n, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    gen_id = gen.write_generation(home, np.arange(1, n + 1), vectors,
                                  [(i, TEXTS[1 + i % 5]) for i in range(1, n + 1)], "test-model")
    gen.activate(home, gen_id)
    return gen_id


def test_generation_roundtrip_and_swap(tmp_path):
    first = write_small_generation(tmp_path)
    loaded = gen.Generation.load(tmp_path)
    assert loaded.id == first and len(loaded.dense) == 20
    second = write_small_generation(tmp_path, n=5)
    assert gen.Generation.load(tmp_path).id == second
    assert len(gen.Generation.load(tmp_path).dense) == 5


def test_no_generation_says_what_to_run(tmp_path):
    with pytest.raises(gen.IndexUnavailableError, match="nlp-service"):
        gen.Generation.load(tmp_path)


@pytest.mark.parametrize("damage", ["truncate", "foreign", "delete"])
@pytest.mark.parametrize("name", [gen.DENSE_FILE, gen.LEXICAL_FILE])
def test_damaged_index_file_is_detected_with_clear_error(tmp_path, damage, name):
    gen_id = write_small_generation(tmp_path)
    path = gen.generations_dir(tmp_path) / gen_id / name
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "foreign":
        path.write_bytes(b"\x89PNG not an index" + b"\x00" * (path.stat().st_size - 17))
    else:
        path.unlink()
    with pytest.raises(gen.IndexUnavailableError) as err:
        gen.Generation.load(tmp_path)
    assert str(path) in str(err.value) and "reindex" in str(err.value)


def test_damaged_manifest_is_detected(tmp_path):
    gen_id = write_small_generation(tmp_path)
    (gen.generations_dir(tmp_path) / gen_id / gen.MANIFEST_FILE).write_text("{not json")
    with pytest.raises(gen.IndexUnavailableError, match="reindex"):
        gen.Generation.load(tmp_path)


def test_unfinished_build_is_never_served_and_is_pruned(tmp_path):
    serving = write_small_generation(tmp_path)
    (gen.generations_dir(tmp_path) / "99999999-999999-deadbeef.tmp").mkdir()
    with pytest.raises(gen.IndexUnavailableError):
        gen.activate(tmp_path, "99999999-999999-deadbeef")
    assert gen.Generation.load(tmp_path).id == serving
    assert "99999999-999999-deadbeef.tmp" in gen.prune(tmp_path)
    assert gen.Generation.load(tmp_path).id == serving
