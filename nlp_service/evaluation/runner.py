"""Runs the evaluation: builds its own index home, retrieves once per query, scores
lexical, dense and hybrid, and explores the fusion's weights and constant.

Each query is retrieved once through the search core
(:meth:`SearchEngine.candidate_rankings`, filters applied before the cut). The
single-retriever runs are those candidate lists; every fused run (the service's
own via :meth:`SearchEngine.fuse`, and each point of the tuning grid) re-fuses
the same lists, so runs differ only in what they are meant to compare.
Scoring and tuning: :mod:`.scoring`.
"""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .. import parsing
from ..config import Settings
from ..errors import ServiceError
from ..embedding import EmbeddingCache, open_encoder
from ..home import Home
from ..fsutil import atomic_write_text
from ..locking import WriteLock
from ..retrievers import FUSED
from ..search import SearchEngine, SearchRequest
from ..service import Service
from ..store import Store, StoredDocument
from . import datasets, dossier_task, judged, linking, reference, structure
from .floor import FLOOR_TASKS, floor_results
from .datasets import BelgianRecord, FaqItem, Query, Task
from .homes import clear_index, with_home
from .querycache import CachedQueryEncoder
from .reference import ReferenceRetriever, load_letters
from .scoring import Rankings, Retrieved, mode_runs, task_results

QUICK_BELGIAN = 100
QUICK_FAQ = 50
#: candidate units per retriever: deeper than the service's default (100) so that
#: Recall@50 counts documents, not the candidate cut (a document has several units)
DEPTH = 200
CORPUS_MARKER = "eval-corpus.json"
QUERY_VECTORS = "query_vectors.npz"

Log = Callable[[str], None]


class EvaluationError(ServiceError, RuntimeError):
    """The evaluation cannot run as asked (foreign index home, unmatched ids...)."""


@dataclass(frozen=True)
class EvalOptions:
    home: Path
    quick: bool = False
    #: share of the corpus (whole title groups), for development on a slow machine; 1 = all
    sample: float = 1.0
    depth: int = DEPTH
    #: only Belgian queries submitted on or after this date (YYYY-MM-DD), and judged queries
    #: pasted from such letters: a strict time split for a model tuned on the letters before it
    queries_since: str | None = None

    @property
    def full(self) -> bool:
        """The whole corpus: only then are the council letters indexed and the judged task run
        (its judgements name letters that a subset would mostly lack)."""
        return not self.quick and self.sample >= 1


class PhaseTimer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] = round(self.seconds.get(phase, 0.0) + time.perf_counter() - started, 2)


def home_service(settings: Settings, home: Path, depth: int = DEPTH) -> tuple[Service, CachedQueryEncoder]:
    """A service over an evaluation home: ``depth`` candidates per retriever, the serving home's
    embedding cache (an evaluation embeds what ingest would, and vice versa) and the home's own
    query vectors (the ones its reports were scored with)."""
    home_settings = with_home(settings, home, cache=settings.cache_path).replace(candidates=depth)
    encoder = CachedQueryEncoder(open_encoder(home_settings), home / QUERY_VECTORS)
    return Service(home_settings, encoder=encoder), encoder


def run_evaluation(settings: Settings, options: EvalOptions, log: Log = lambda _: None) -> dict:
    timer = PhaseTimer()
    with timer("total"):
        records, groups, faq = _load_corpus(settings.data_dir, options)
        service, encoder = home_service(settings, options.home, options.depth)
        council = _council_paths(settings.data_dir) if options.full else []
        with timer("index"):
            ingest = prepare_home(service, records, faq, log, council)
        tasks = build_tasks(records, groups, faq, settings.max_query_chars, options.queries_since)
        if council:
            tasks.append(_judged_since(service.store, judged.judged_task(settings.max_query_chars),
                                       options.queries_since))
        engine = service.engine
        _check_ids(service.store, [t for t in tasks if t.name != judged.TASK_NAME])
        with timer("encode_queries"):
            texts = [q.text for t in tasks for q in t.queries]
            encoded = encoder.prime(texts, lambda n, total: log(f"  encoded {n}/{total} queries"))
        retrieved: dict[str, Retrieved] = {}
        with timer("retrieve"):
            for task in tasks:
                log(f"retrieving {len(task.queries)} queries: {task.name}")
                retrieved[task.name] = retrieve(engine, task, options.depth, settings.threads, _key_of(task))
        with timer("score_and_tune"):
            tasks_out = {t.name: task_results(engine, t, retrieved[t.name], settings.candidates) for t in tasks}
            for task in tasks:
                if task.name == judged.TASK_NAME:
                    tasks_out[task.name]["judged"] = judged.breakdown(
                        task, mode_runs(engine, task, retrieved[task.name]), judged.read_qrels())
        with timer("reference"):
            reference_out = reference_baseline(service, encoder, tasks, retrieved, options.depth)
        with timer("structure"):
            structure_out = structure.evaluate_all(engine, tasks, retrieved)
        with timer("match_floor"):
            floor_out = {t.name: floor_results(engine, t, retrieved[t.name], settings.candidates)
                         for t in tasks if t.name in FLOOR_TASKS}
        with timer("dossier"):
            dossier_out = dossier_task.evaluate(engine, records, groups)
        with timer("linking"):
            linking_out = linking.evaluate(settings.data_dir, linking.GOLD_PATH)
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": options.quick,
        "sample": options.sample,
        "queries_since": options.queries_since,
        "corpus": {"belgian_records": len(records), "faq_items": len(faq), "ingest": ingest,
                   "units": service.store.counts()["units"], "queries_encoded": encoded},
        "settings": {"model_id": encoder.model_id, "rrf_k": settings.rrf_k,
                     "weight_lexical": settings.weight_lexical, "weight_dense": settings.weight_dense,
                     "weight_lexical_short": settings.weight_lexical_short,
                     "short_query_words": settings.short_query_words,
                     "match_floor": settings.match_floor, "match_floor_short": settings.match_floor_short,
                     "match_coverage_short": settings.match_coverage_short,
                     "candidates_per_retriever": options.depth, "service_candidates": settings.candidates},
        "tasks": tasks_out,
        "reference": reference_out,
        "structure": structure_out,
        "match_floor": floor_out,
        "dossier": dossier_out,
        "linking": linking_out,
        "timings_s": timer.seconds,
    }


# -- corpus and index home -----------------------------------------------------


Corpus = tuple[list[BelgianRecord], list[frozenset[str]], list[FaqItem]]


def _load_corpus(data_dir: Path, options: EvalOptions) -> Corpus:
    records = datasets.load_belgian(data_dir)
    groups = datasets.load_title_groups(data_dir)
    faq = datasets.load_faq(data_dir)
    if options.quick:
        return datasets.quick_sample(records, groups, QUICK_BELGIAN), groups, faq[:QUICK_FAQ]
    if options.sample < 1:
        return (datasets.fractional_sample(records, groups, options.sample), groups,
                datasets.faq_sample(faq, options.sample))
    return records, groups, faq


def _council_paths(data_dir: Path) -> list[Path]:
    """The Tweede Kamer and Leiden material the judged queries search beside the Belgian records."""
    return [Path(data_dir) / datasets.TWEEDEKAMER_FILE, Path(data_dir) / datasets.LEIDEN_DIR]


def prepare_home(service: Service, records: Sequence[BelgianRecord], faq: Sequence[FaqItem], log: Log,
                 council: Sequence[Path] = ()) -> dict:
    """Index the evaluation corpus into the evaluation home (a no-op when it is already there)."""
    home = service.home.root
    marker = {"format": 1, "belgian": _digest(r.doc_id for r in records), "faq": _digest(i.qid for i in faq)}
    if council:
        marker["council"] = [p.name for p in council]
    with WriteLock(home, "evaluation: preparing its index home"):  # never clear a home mid-ingest
        _reset_if_other_corpus(home, marker)
        # written first: an interrupted build is this evaluation's to finish (ingest is idempotent)
        atomic_write_text(home / CORPUS_MARKER, json.dumps(marker))
    source_file = home / "corpus" / datasets.DEKAMER / "questions.jsonl"
    atomic_write_text(source_file, "".join(r.line if r.line.endswith("\n") else r.line + "\n" for r in records))
    log(f"indexing {len(records)} Belgian records and {len(faq)} FAQ passages into {home}")
    failures: list[str] = []
    on_error = lambda path, exc: failures.append(f"{path}: {exc}")  # noqa: E731
    documents = itertools.chain(
        parsing.iter_documents([source_file], source=datasets.DEKAMER, on_error=on_error),
        datasets.faq_documents(faq),
        parsing.iter_documents(council, on_error=on_error),
    )
    report = service.add_documents(documents)  # one index build for both collections
    if failures:
        raise EvaluationError(f"{len(failures)} documents did not parse, e.g. {failures[:3]}")
    return {"summary": report.summary(), "seconds": round(report.seconds, 2), "embedded": report.embedded}


def _digest(ids: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()[:16]


def _reset_if_other_corpus(home: Path, marker: dict) -> None:
    """A home holds one evaluation corpus; switching (quick <-> full) rebuilds the store and
    index but keeps the caches. A store the evaluation did not build is never touched."""
    store, marker_path = Home(home).store, home / CORPUS_MARKER
    if not store.exists():
        return
    if not marker_path.exists():
        raise EvaluationError(f"{home} holds an index the evaluation did not build: give another --home")
    if json.loads(marker_path.read_text(encoding="utf-8")) == marker:
        return
    marker_path.unlink()
    clear_index(home)


def build_tasks(records: Sequence[BelgianRecord], groups: Sequence[frozenset[str]], faq: Sequence[FaqItem],
                max_query_chars: int, since: str | None = None) -> list[Task]:
    return [*datasets.precedent_tasks(records, groups, max_query_chars, since),
            datasets.belgian_answer_task(records, max_query_chars, since),
            datasets.faq_answer_task(faq, max_query_chars)]


def _judged_since(store: Store, task: Task, since: str | None) -> Task:
    """The judged task without the queries pasted from a letter submitted before ``since`` (typed
    queries were written for the collection, not taken from a letter, and stay)."""
    if since is None:
        return task

    def submitted(key: str) -> str | None:
        found = store.find_document(*key.split(":", 1))
        return store.get_document(found[0]).document.submitted if found else None

    kept = [q for q in task.queries if all((submitted(k) or since) >= since for k in q.exclude)]
    return dataclasses.replace(task, queries=kept, skipped=task.skipped + len(task.queries) - len(kept))


def _check_ids(store: Store, tasks: Sequence[Task]) -> None:
    """Judgements name documents by external id: the parser must keep the records' ids."""
    for task in tasks:
        source = task.queries[0].filters.source if task.queries else None
        missing = [q.qid for q in task.queries[:50] if store.find_document(source, q.qid) is None]
        if missing:
            raise EvaluationError(f"{task.name}: documents {missing[:5]} are not in the store under "
                                  f"source {source!r}; the judgements cannot be matched")


# -- retrieval and scoring -----------------------------------------------------


#: the tasks the per-letter reference baseline is run on (it has no answer units)
REFERENCE_TASKS = ("precedent_pasted", "precedent_title", judged.TASK_NAME)


def reference_baseline(service: Service, encoder, tasks: Sequence[Task], retrieved: dict[str, Retrieved],
                       depth: int) -> dict:
    """Issue #18's per-letter baseline (reference.py) beside the service's modes, on the precedent tasks."""
    picked = [t for t in tasks if t.name in REFERENCE_TASKS]
    if not picked:
        return {}
    cache = EmbeddingCache(service.settings.cache_path)
    try:
        baseline = ReferenceRetriever(load_letters(service.store), encoder, cache)
    finally:
        cache.close()
    return {t.name: reference.evaluate(baseline, t, _key_of(t), mode_runs(service.engine, t, retrieved[t.name]), depth)
            for t in picked}


def _external_id(stored: StoredDocument) -> str:
    return stored.document.external_id


def _key_of(task: Task) -> Callable[[StoredDocument], str | None]:
    """How a task's judgements name documents: source:external_id for the judged task, else the external id."""
    return judged.council_key if task.name == judged.TASK_NAME else _external_id


def retrieve(engine: SearchEngine, task: Task, depth: int, workers: int,
             key: Callable[[StoredDocument], str | None] = _external_id) -> Retrieved:
    """Both retrievers' candidates for every query; SQLite and FAISS release the GIL, so a few
    threads overlap one query's lexical search with another's dense search. ``key`` names a
    document as the judgements do (None: not part of the task, its units are dropped)."""
    def one(query: Query) -> Rankings:
        return engine.candidate_rankings(SearchRequest(query.text, k=depth, filters=query.filters, mode=FUSED))

    mixed_engine = SearchEngine(engine.settings.replace(weight_letters_lexical=0.0, weight_letters_dense=0.0), engine.store, lambda: engine.encoder)

    def mixed(query: Query) -> Rankings:
        return mixed_engine.candidate_rankings(SearchRequest(query.text, k=depth, filters=query.filters, mode=FUSED))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        rankings = list(pool.map(one, task.queries))
        mixed_rankings = list(pool.map(mixed, task.queries)) if task.name in structure.STRUCTURE_TASKS else []
    unit_ids = {uid for r in [*rankings, *mixed_rankings] for ranking in r.values() for uid, _ in ranking}
    units = engine.store.get_units(unit_ids)
    documents = engine.store.get_documents(u.document_id for u in units.values())
    keys = {uid: key(documents[u.document_id]) for uid, u in units.items()}
    return Retrieved(rankings, {uid: k for uid, k in keys.items() if k is not None},
                     {uid: u.kind for uid, u in units.items()}, {uid: u.question_id for uid, u in units.items()},
                     mixed_rankings)


