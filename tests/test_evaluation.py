"""The evaluation: relevance judgements, FAQ documents, linking checks, and the runner end to end."""
import json
from pathlib import Path

import pytest

from nlp_service.evaluation import datasets
from nlp_service.evaluation.datasets import BelgianRecord, FaqItem, PrecedentJudge
from nlp_service.evaluation.linking import link_is_right
from nlp_service.units import make_units


def record(doc_id, submitted, theme=None, descriptors=(), answer="Antwoord."):
    return BelgianRecord(doc_id, submitted, f"Titel {doc_id}.\n\nVraag?", answer, theme, frozenset(descriptors), "")


def test_precedent_judge_grades_title_group_over_shared_theme():
    records = [
        record("1", "2017-01-10", "SPOOR", {"NMBS", "TREIN"}),   # same theme, shares NMBS: grade 1
        record("2", "2017-02-10", "SPOOR", {"BUS"}),             # same theme, no shared descriptor
        record("3", "2017-03-10", "POST", {"NMBS"}),             # shares a descriptor, other theme
        record("4", "2017-03-11", None, ()),                     # same title group: grade 2
        record("5", "2017-05-20", "SPOOR", {"NMBS"}),            # later than the query: never a candidate
        record("q", "2017-05-15", "SPOOR", {"NMBS", "STATION"}),
    ]
    judge = PrecedentJudge(records, [frozenset({"4", "q", "5"})])
    assert judge.grades(records[-1]) == {"1": 1, "4": 2}


def test_precedent_tasks_cut_candidates_the_day_before_and_skip_queries_without_precedent():
    records = [record("1", "2017-01-10", "SPOOR", {"NMBS"}), record("q", "2017-05-15", "SPOOR", {"NMBS"}),
               record("lonely", "2017-06-01", "POST", {"BPOST"})]
    pasted, title = datasets.precedent_tasks(records, [], max_query_chars=5000)
    assert [q.qid for q in pasted.queries] == ["q"] and pasted.skipped == 1
    assert pasted.queries[0].filters.until == "2017-05-14"
    assert pasted.queries[0].filters.source == datasets.DEKAMER
    assert title.queries[0].text == "Titel q."
    assert pasted.queries[0].text == "Titel q.\n\nVraag?"


def test_answer_tasks_search_answer_units_only():
    records = [record("1", "2017-05-10"), record("2", "2017-05-11", answer=None), record("3", "2017-01-11")]
    task = datasets.belgian_answer_task(records, 5000)
    assert [q.qid for q in task.queries] == ["1"]
    assert task.queries[0].filters.kinds == ("answer",) and task.queries[0].grades == {"1": 1}


def test_queries_since_keeps_only_queries_submitted_on_or_after_the_date():
    """A time split for a tuned model: the earlier queries go, the earlier candidates stay."""
    records = [record("1", "2017-01-10", "SPOOR", {"NMBS"}), record("early", "2017-05-10", "SPOOR", {"NMBS"}),
               record("late", "2017-06-10", "SPOOR", {"NMBS"})]
    pasted, _ = datasets.precedent_tasks(records, [], 5000, since="2017-06-01")
    assert [q.qid for q in pasted.queries] == ["late"]
    assert pasted.queries[0].grades == {"1": 1, "early": 1}
    answers = datasets.belgian_answer_task(records, 5000, since="2017-06-01")
    assert [q.qid for q in answers.queries] == ["late"]
    assert len(datasets.belgian_answer_task(records, 5000).queries) == 2


def test_faq_documents_index_the_answer_and_not_the_question():
    docs = datasets.faq_documents([FaqItem("id-1", "Hoe lang moet ik bewaren?", "vijf jaar bewaren.")])
    units = make_units(docs[0], lambda texts: [len(t.split()) + 2 for t in texts], 512)
    assert [(u.kind, u.text) for u in units] == [("answer", "vijf jaar bewaren.")]


def test_quick_sample_holds_queries_with_precedents(data_dir):
    records = datasets.load_belgian(data_dir)
    groups = datasets.load_title_groups(data_dir)
    sample = datasets.quick_sample(records, groups, 100)
    assert len(sample) == 100
    pasted, _ = datasets.precedent_tasks(sample, groups, 5000)
    assert len(pasted.queries) >= 10
    assert any(2 in q.grades.values() for q in pasted.queries)


@pytest.mark.parametrize("parsed, start, right", [
    ("Deze campus biedt inderdaad", "Deze  campus biedt", True),   # whitespace-insensitive
    ("4. en 5. Zoals u zelf aangeeft", "Zoals u zelf", True),      # a kept marker is skipped
    ("1. Federaal Agentschap", "1. Federaal", True),
    ("Onder de partners", "Deze campus", False),
    (None, "Deze campus", False),
    (None, None, True),
    ("Ja.", None, False),
])
def test_link_is_right(parsed, start, right):
    assert link_is_right(parsed, start) is right


@pytest.mark.model
def test_quick_evaluation_end_to_end(model_dir, tmp_path, cli):
    """`nlp-service eval --quick` on ~100 Belgian records: every figure present and in [0, 1];
    a second run embeds nothing again."""
    from nlp_service.retrievers import REPORT_ORDER as MODES

    # the suite's shared embedding cache (see conftest): a local re-run does not embed again
    env = {"NLP_SERVICE_CACHE": str(Path(__file__).parent / "output" / "embeddings.sqlite")}
    args = ["--model-dir", str(model_dir), "eval", "--quick", "--json",
            "--home", str(tmp_path / "eval"), "--out", str(tmp_path / "out")]
    first = cli(*args, env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert {"tasks", "linking", "settings", "corpus", "timings_s"} <= set(data)
    assert set(data["tasks"]) == {"precedent_pasted", "precedent_title", "answer_belgian", "answer_faq"}
    for name, task in data["tasks"].items():
        assert task["queries"] > 0, name
        for mode in MODES:
            assert set(task["results"][mode]) == set(task["metrics"])
            assert all(0.0 <= v <= 1.0 for v in task["results"][mode].values()), (name, mode)
        assert 0.0 <= task["tuning"]["best"][task["primary"]] <= 1.0
    assert data["tasks"]["answer_faq"]["results"]["hybrid"]["recall@10"] > 0.3, "FAQ answers must be findable"
    # the relevance floor: precision of what is called direct, and queries left without a direct match
    assert set(data["match_floor"]) == {"precedent_pasted", "precedent_title"}
    for name, floor in data["match_floor"].items():
        assert floor["without_floor"]["queries_without_direct"] == 0, "without a floor everything is a match"
        for point in (floor["service"], floor["best"], *floor["grid"]):
            assert 0.0 <= point["direct_precision"] <= 1.0 and 0 <= point["queries_without_direct"] <= point["queries"]
        assert floor["best"]["f0.5"] >= floor["service"]["f0.5"]
    assert data["match_floor"]["precedent_pasted"]["short_queries"] is False
    assert "Relevance floor" in (tmp_path / "out" / "evaluation-quick.md").read_text(encoding="utf-8")
    dossier = data["dossier"]
    assert dossier["letters"] > 0 and 0.0 < dossier["ndcg@10"] <= 1.0
    for share in (dossier["asked_before"]["precision"], dossier["asked_before"]["recall"]):
        assert share["n"] > 0 and share["ci95"][0] <= share["value"] <= share["ci95"][1]
    overall = data["linking"]["tweedekamer"]["overall"]
    assert all(0.0 <= overall[k] <= 1.0 for k in ("question_count_exact", "answered_count_exact"))
    for stem in ("evaluation-quick.json", "evaluation-quick.md", "evaluation-quick.png"):
        assert (tmp_path / "out" / stem).stat().st_size > 0

    second = cli(*args, env=env, catch_exceptions=False)
    again = json.loads(second.stdout)
    assert again["corpus"]["ingest"]["embedded"] == 0 and again["corpus"]["queries_encoded"] == 0
    assert again["tasks"]["precedent_pasted"]["results"] == data["tasks"]["precedent_pasted"]["results"]
