"""Labelled retrieval tasks built from the shared corpus.

Relevance labels (themes, descriptors, title groups, FAQ ids) are read here and
only here: a task hands the runner query texts, filters and judgements, and the
runner hands the search core nothing but the query text and the filters.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..documents import Document, Question
from ..search import Filters

DEKAMER = "dekamer-2017"
FAQ = "rijksoverheid-faq"
DEKAMER_FILE = Path(DEKAMER) / "questions.jsonl"
TITLE_GROUPS_FILE = Path(DEKAMER) / "same_title_groups.json"
TWEEDEKAMER_FILE = Path("tweedekamer-2024") / "documents.csv"
LEIDEN_DIR = Path("leiden")
FAQ_FILES = (Path(FAQ) / "policyqa-train.json", Path(FAQ) / "policyqa-test.json")
#: questions submitted in this window are the precedent-search queries
QUERY_WINDOW = ("2017-05-01", "2017-06-30")
SAME_TITLE, SHARED_THEME = 2, 1  # relevance grades
ANSWER_UNITS = ("answer",)


@dataclass(frozen=True)
class BelgianRecord:
    doc_id: str
    submitted: str
    question: str  # title line, blank line, body: what a griffie member would paste
    answer: str | None
    theme_main: str | None
    descriptors: frozenset[str]
    line: str = field(repr=False, compare=False)  # the JSONL line as read, to write a subset back

    @property
    def title(self) -> str:
        return self.question.strip().split("\n", 1)[0].strip()


@dataclass(frozen=True)
class Query:
    qid: str
    text: str
    filters: Filters
    grades: dict[str, int]  # external id -> relevance grade (> 0)
    #: documents left out of the ranking before scoring (a judged query's own letter)
    exclude: frozenset[str] = frozenset()
    kind: str = ""  # "typed" or "pasted" where a task mixes them


@dataclass(frozen=True)
class Task:
    name: str
    description: str
    metrics: tuple[str, ...]  # "ndcg@10", "mrr@10", "recall@50", ... (see metrics.score)
    queries: list[Query]
    skipped: int = 0  # queries left out because nothing relevant is in the collection
    #: whether the fusion grid is explored on it (never on a collection kept for measuring only)
    tunable: bool = True

    @property
    def primary(self) -> str:
        """The metric that tuning maximises."""
        return self.metrics[0]


# -- reading the shared data ---------------------------------------------------


def load_belgian(data_dir: Path) -> list[BelgianRecord]:
    records = []
    with open(Path(data_dir) / DEKAMER_FILE, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                records.append(_belgian_record(json.loads(line), line))
    return records


def _belgian_record(raw: dict, line: str) -> BelgianRecord:
    descriptors = frozenset(d.strip() for d in (raw.get("question_theme") or "").split(",") if d.strip())
    return BelgianRecord(str(raw["doc_id"]), raw["depotdat"], raw["question"], raw.get("answer"),
                         raw.get("question_theme_main"), descriptors, line)


def load_title_groups(data_dir: Path) -> list[frozenset[str]]:
    groups = json.loads((Path(data_dir) / TITLE_GROUPS_FILE).read_text(encoding="utf-8"))
    return [frozenset(str(i) for i in g["doc_ids"]) for g in groups]


@dataclass(frozen=True)
class FaqItem:
    qid: str
    question: str
    passage: str


def load_faq(data_dir: Path) -> list[FaqItem]:
    items = []
    for name in FAQ_FILES:
        squad = json.loads((Path(data_dir) / name).read_text(encoding="utf-8"))
        for article in squad["data"]:
            for paragraph in article["paragraphs"]:
                items += [FaqItem(qa["id"], qa["question"], paragraph["context"]) for qa in paragraph["qas"]]
    return items


def faq_documents(items: Iterable[FaqItem]) -> list[Document]:
    """One document per FAQ passage, holding only the answer: the question text is
    the query, so it must not be indexed (an empty question yields no question unit)."""
    return [Document(source=FAQ, external_id=item.qid, questions=[Question("1", "", item.passage)])
            for item in items]


# -- subsets -------------------------------------------------------------------


def in_window(record: BelgianRecord, since: str | None = None) -> bool:
    """A query of the precedent tasks: submitted in QUERY_WINDOW (and on or after ``since``:
    a time split against a model tuned on what came before, see ``nlp-service model tune``)."""
    return QUERY_WINDOW[0] <= record.submitted <= QUERY_WINDOW[1] and (since is None or record.submitted >= since)


def quick_sample(records: Sequence[BelgianRecord], groups: Sequence[frozenset[str]],
                 size: int = 100) -> list[BelgianRecord]:
    """A small subset on which every task has queries with relevant candidates.

    First the title groups that span the query window and the months before it
    (each gives a query with a grade-2 precedent), then records sharing a main
    theme with those, earliest first. Deterministic, so quick runs compare.
    """
    by_id = {r.doc_id: r for r in records}
    chosen: dict[str, BelgianRecord] = {}
    for group in groups:
        members = [by_id[i] for i in sorted(group) if i in by_id]
        spans_window = any(map(in_window, members)) and not all(map(in_window, members))
        if spans_window and len(chosen) + len(members) <= size // 2:
            chosen.update((m.doc_id, m) for m in members)
    themes = {r.theme_main for r in chosen.values() if r.theme_main}
    for record in sorted(records, key=lambda r: (r.theme_main not in themes, r.submitted, r.doc_id)):
        if len(chosen) >= size:
            break
        chosen.setdefault(record.doc_id, record)
    return sorted(chosen.values(), key=lambda r: (r.submitted, r.doc_id))


def stable_share(key: str) -> float:
    """A number in [0, 1) fixed by ``key``: the same records are drawn on every machine."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) / 16 ** 8


def fractional_sample(records: Sequence[BelgianRecord], groups: Sequence[frozenset[str]],
                      fraction: float) -> list[BelgianRecord]:
    """About ``fraction`` of the records, drawn per title group (a group is kept or left out
    whole, so its grade-2 pairs survive), for a smaller run on a slow machine."""
    group_key = {doc_id: min(group) for group in groups for doc_id in group}
    return [r for r in records if stable_share(group_key.get(r.doc_id, r.doc_id)) < fraction]


def faq_sample(items: Sequence[FaqItem], fraction: float) -> list[FaqItem]:
    return [i for i in items if stable_share(i.qid) < fraction]


# -- tasks ---------------------------------------------------------------------


def day_before(iso_date: str) -> str:
    return (dt.date.fromisoformat(iso_date) - dt.timedelta(days=1)).isoformat()


class PrecedentJudge:
    """Relevance of an earlier question to a new one: same title group (2), or the
    same main theme and at least one shared descriptor (1)."""

    def __init__(self, records: Sequence[BelgianRecord], groups: Sequence[frozenset[str]]):
        self._group_of = {doc_id: group for group in groups for doc_id in group}
        self._by_theme: dict[str, list[BelgianRecord]] = defaultdict(list)
        for record in records:
            if record.theme_main:
                self._by_theme[record.theme_main].append(record)
        self._records = {r.doc_id: r for r in records}

    def grades(self, query: BelgianRecord) -> dict[str, int]:
        """Judgements over the records submitted before the query (the only candidates)."""
        grades: dict[str, int] = {}
        for other in self._by_theme.get(query.theme_main or "", []):
            if other.submitted < query.submitted and other.descriptors & query.descriptors:
                grades[other.doc_id] = SHARED_THEME
        for doc_id in self._group_of.get(query.doc_id, ()):
            other = self._records.get(doc_id)
            if other is not None and other.submitted < query.submitted:
                grades[doc_id] = SAME_TITLE
        return grades


def precedent_tasks(records: Sequence[BelgianRecord], groups: Sequence[frozenset[str]],
                    max_query_chars: int, since: str | None = None) -> list[Task]:
    """Precedent search per kind of query: the pasted question, and its title alone."""
    judge = PrecedentJudge(records, groups)
    judged = [(r, judge.grades(r)) for r in records if in_window(r, since)]
    kept = [(r, g) for r, g in judged if g]
    metrics = ("ndcg@10", "mrr@10", "recall@50")

    def queries(text_of) -> list[Query]:
        return [Query(r.doc_id, text_of(r)[:max_query_chars], Filters(until=day_before(r.submitted), source=DEKAMER), g)
                for r, g in kept]

    skipped = len(judged) - len(kept)
    return [
        Task("precedent_pasted", "Precedent search, the new question pasted whole (title + body) as the query",
             metrics, queries(lambda r: r.question.strip()), skipped),
        Task("precedent_title", "Precedent search, the new question's title alone (a short, typed query)",
             metrics, queries(lambda r: r.title), skipped),
    ]


def belgian_answer_task(records: Sequence[BelgianRecord], max_query_chars: int, since: str | None = None) -> Task:
    """Each answered question of the query window against every answer passage; its own answer
    is the one relevant item. The window's questions are the precedent queries too, so their
    vectors are encoded once for both tasks (encoding all 3,483 would triple the run time)."""
    filters = Filters(source=DEKAMER, kinds=ANSWER_UNITS)
    queries = [Query(r.doc_id, r.question.strip()[:max_query_chars], filters, {r.doc_id: 1})
               for r in records if in_window(r, since) and r.answer and r.answer.strip()]
    return Task("answer_belgian", "Question -> answer: a Belgian question of May–June 2017 against all answer passages",
                ("mrr@10", "recall@1", "recall@10"), queries)


def faq_answer_task(items: Sequence[FaqItem], max_query_chars: int) -> Task:
    filters = Filters(source=FAQ, kinds=ANSWER_UNITS)
    queries = [Query(i.qid, i.question.strip()[:max_query_chars], filters, {i.qid: 1}) for i in items]
    return Task("answer_faq", "Question -> answer: a Rijksoverheid FAQ question against all FAQ answer passages",
                ("mrr@10", "recall@1", "recall@10"), queries)
