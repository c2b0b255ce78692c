"""The judged collection (tests/data/judged): complete and consistent, and its task scored as
the guideline says (own letter left out, FAQ outside, pool = union of each mode's top 20)."""
import json

import pytest

from nlp_service.evaluation import judged
from nlp_service.evaluation.datasets import Query, Task
from nlp_service.evaluation.metrics import unique_in_order
from nlp_service.evaluation.runner import retrieve
from nlp_service.evaluation.scoring import mode_runs, per_query
from nlp_service.search import Filters


@pytest.fixture(scope="module")
def queries():
    return judged.read_queries()


@pytest.fixture(scope="module")
def qrels():
    return judged.read_qrels()


def test_collection_has_the_queries_the_issue_asks_for(queries):
    assert len(queries) >= 60
    assert len({q["qid"] for q in queries}) == len(queries)
    kinds = {q["kind"] for q in queries}
    assert kinds == {"typed", "pasted"}
    assert {q["area"] for q in queries} == {"be", "tk", "le"}
    for q in queries:
        assert q["text"].strip()
        if q["kind"] == "pasted":  # a real question: its own letter is never ranked nor judged
            assert q["origin"] in q["exclude"]
        else:
            assert len(q["text"].split()) <= 6


def test_every_query_is_judged_with_grades_0_1_2_and_never_its_own_letter(queries, qrels):
    record = judged.read_judging()
    for q in queries:
        grades = qrels[q["qid"]]
        assert grades, q["qid"]
        assert set(grades.values()) <= {0, 1, 2}
        assert not set(q["exclude"]) & set(grades), q["qid"]
        assert all(key.split(":", 1)[0] in judged.COLLECTIONS for key in grades)
        assert record[q["qid"]]["letters"] == len(grades)
    assert set(qrels) == {q["qid"] for q in queries}


def test_pooling_rounds_account_for_every_judged_letter(qrels):
    """Each round of pooling (qrels.json "pool.rounds") records how many letters it added; together
    they are the collection, so a re-pool that was judged but not recorded (or the reverse) shows."""
    raw = json.loads(judged.QRELS_FILE.read_text(encoding="utf-8"))
    rounds = raw["pool"]["rounds"]
    assert [r["round"] for r in rounds] == list(range(1, len(rounds) + 1))
    assert sum(r["letters"] for r in rounds) == sum(len(grades) for grades in qrels.values())
    record = judged.read_judging()  # per query, how many letters each later round added
    for field, entry in zip(("second_round", "third_round"), rounds[1:]):
        assert sum(record[qid].get(field, 0) for qid in qrels) == entry["letters"], field


def test_most_queries_have_a_relevant_letter(qrels):
    with_relevant = [qid for qid, grades in qrels.items() if max(grades.values()) > 0]
    assert len(with_relevant) >= 0.8 * len(qrels)


def test_task_leaves_out_queries_without_relevant_letters():
    qrels = {"t01": {"leiden:x": 1, "dekamer-2017:1": 0}, "t02": {"dekamer-2017:1": 0}}
    task = judged.judged_task(5000, qrels)
    assert [q.qid for q in task.queries] == ["t01"] and task.skipped == len(judged.read_queries()) - 1
    assert task.queries[0].grades == {"leiden:x": 1}
    assert not task.tunable


def test_own_letter_is_left_out_before_scoring():
    query = Query("p1", "vraag", Filters(), {"b": 2}, exclude=frozenset({"own"}))
    task = Task("judged", "", ("ndcg@10",), [query])
    assert per_query(task, [["own", "b"]], "ndcg@10") == [1.0]
    assert per_query(task, [["a", "b"]], "ndcg@10") < [1.0]


def test_pool_is_the_union_of_each_modes_top_depth_without_excluded():
    query = Query("p1", "vraag", Filters(), {}, exclude=frozenset({"own"}))
    runs = {"lexical": [["own", "a", "b", "c"]], "dense": [["c", "d", "own", "e"]]}
    assert judged.pool([query], runs, depth=2) == [["a", "b", "c", "d"]]


def test_judged_task_over_the_session_index(service):
    """The real retrieval: only council letters are named (no FAQ), under source:external_id, and
    a Tweede Kamer question finds a letter judged a precedent in the hybrid top 10."""
    task = judged.judged_task(service.settings.max_query_chars)
    retrieved = retrieve(service.engine, task, 100, 2, judged.council_key)
    assert retrieved.doc_of and all(k.split(":", 1)[0] in judged.COLLECTIONS for k in retrieved.doc_of.values())
    runs = mode_runs(service.engine, task, retrieved)
    by_qid = {q.qid: i for i, q in enumerate(task.queries)}
    pasted_tk = [q for q in task.queries if q.kind == "pasted" and q.qid in by_qid
                 and any(k.startswith("tweedekamer-2024:") and g == 2 for k, g in q.grades.items())]
    assert pasted_tk
    for query in pasted_tk:
        top = [d for d in unique_in_order(runs["hybrid"][by_qid[query.qid]]) if d not in query.exclude][:10]
        assert any(query.grades.get(d) == 2 for d in top), query.qid
    figures = judged.breakdown(task, runs, judged.read_qrels())
    assert set(figures) == {"lexical", "dense", "hybrid"}
    assert all(0 <= f["mean"] <= 1 and f["ci95"] > 0 for f in figures.values())


def test_reference_baseline_over_the_session_index(service):
    """The per-letter baseline: one entry per stored letter, filters applied per letter, and the three
    modes scored beside the service's on the judged task."""
    from nlp_service.embedding import EmbeddingCache
    from nlp_service.evaluation import reference

    letters = reference.load_letters(service.store)
    assert len(letters.ids) == service.store.counts()["documents"]
    cache = EmbeddingCache(service.settings.cache_path)
    try:
        baseline = reference.ReferenceRetriever(letters, service.encoder, cache)
    finally:
        cache.close()
    only_leiden = Query("x", "sociaal scheefwonen", Filters(source=judged.LEIDEN), {})
    assert [letters.sources[i] for i in baseline.rankings(only_leiden, 10)["hybrid"]] == [judged.LEIDEN]
    task = judged.judged_task(service.settings.max_query_chars)
    runs = mode_runs(service.engine, task, retrieve(service.engine, task, 100, 2, judged.council_key))
    out = reference.evaluate(baseline, task, judged.council_key, runs, 100)
    for mode in reference.MODES:
        assert 0 < out["results"][mode]["ndcg@10"] <= 1
        assert set(out["service_minus_reference"][mode]) == {"difference", "ci95", "clear"}
