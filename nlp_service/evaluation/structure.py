"""Ranking with structure (issue #18), measured from the same candidate lists as every other run.

Three questions, each answered on the label-based precedent tasks (the judged task is
reported beside them, never chosen on):

* **Granularity.** With or without the whole-letter units (``units.LETTER``), and whether
  they join the ranking mixed with the pieces (intro, question, answer passages: one list per
  retriever, as indexed) or as their own candidate lists in the fusion, with a weight.
* **Sum or max.** Whether a letter whose several units match outranks one with one matching
  unit: a document scored by its best unit (max, what judging a letter at its first unit
  does), by its best question with the scores of that question's units summed, or by the sum
  over all its units. Scores are RRF contributions (a single retriever's list: 1 / (k + rank)),
  so sums are on one scale in every mode.
* **Diversity.** How many different letters the top 10 results hold, with the service's
  grouping per question (at most ``per_document`` questions of a letter) and with one result
  per letter. Document-level nDCG is the same either way: regrouping changes which questions
  are shown, not the order of the letters.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..index.fusion import group_results, reciprocal_rank_fusion
from ..retrievers import FUSED, LETTERS, REPORT_ORDER, list_weights
from ..search import SearchEngine
from ..units import ANSWER, QUESTION
from .datasets import Task
from .metrics import mean, mean_interval, unique_in_order
from .scoring import Rankings, Retrieved, compare, of_mode, per_query

#: weights of the whole-letter lists against the pieces' lists when fused apart
LETTER_WEIGHTS = ("0.5", "1", "1.5", "2", "3", "1/1.5", "1/2", "1.5/1")
#: max; the plain sums over a question's or the letter's units; and the same sums with every unit
#: but the best weighted a tenth (a second matching unit breaks near-ties, but never outweighs rank)
AGGREGATIONS = ("max", "question", "letter", "question/10", "letter/10")
TOP = 10
#: the tasks measured (the judged one only reported)
STRUCTURE_TASKS = ("precedent_pasted", "precedent_title", "judged")
CHOSEN_ON = ("precedent_pasted", "precedent_title")

Scored = list[tuple[int, float]]


def fused(engine: SearchEngine, rankings: Rankings, mixed: Rankings, mode: str, query: str, structure: str) -> Scored:
    """One query's units in ``mode``, fused as ``structure`` says: ``pieces`` (no whole-letter units),
    ``mixed`` (one list per retriever over every kind of unit) or ``apart:W`` (each retriever's list of
    the pieces and its list of the letters, searched apart, the letters weighted ×W; ``apart:L/D``:
    BM25's letters ×L, the embeddings' ×D)."""
    if structure == "mixed":
        lists = of_mode(mixed, mode)
    elif structure == "pieces":
        lists = {name: r for name, r in of_mode(rankings, mode).items() if not name.endswith(LETTERS)}
    else:
        lists = of_mode(rankings, mode)
    if len(lists) == 1:  # a single retriever's list: its ranks, scored as RRF would score them
        [ranking] = lists.values()
        return [(uid, 1.0 / (engine.settings.rrf_k + rank)) for rank, (uid, _) in enumerate(ranking, start=1)]
    weights = engine.weights_for(query) if mode == FUSED else {mode: 1.0}
    lexical, _, dense = structure.partition(":")[2].partition("/")
    letters = {"lexical": float(lexical or 0), "dense": float(dense or lexical or 0)}
    return reciprocal_rank_fusion({name: [uid for uid, _ in r] for name, r in lists.items()},
                                  list_weights(weights, lists, letters), k=engine.settings.rrf_k)


def groups_of(retrieved: Retrieved) -> dict[int, object]:
    """The group a unit's score is summed in: its question for a question or answer unit, the unit
    itself for an intro or whole-letter unit (they speak for the letter, not its first question)."""
    return {uid: (retrieved.question_of[uid] if kind in (QUESTION, ANSWER) else ("unit", uid))
            for uid, kind in retrieved.kind_of.items()}


def aggregate(scored: Scored, aggregation: str, doc_of: Mapping[int, str], group_of: Mapping[int, object]) -> list[str]:
    """Documents best first, each scored by its best unit (``max``), its best question with that
    question's units summed (``question``; an intro or letter unit is a group of its own), or the
    sum of all its units (``letter``); ``/10``: the units after a group's best count a tenth."""
    if aggregation == "max":
        return unique_in_order(doc_of[u] for u, _ in scored if u in doc_of)
    level, _, divisor = aggregation.partition("/")
    rest = 1.0 / float(divisor) if divisor else 1.0
    groups: dict[object, float] = {}
    for uid, score in scored:  # best first: a group's first unit is its best
        if uid in doc_of:
            key = doc_of[uid] if level == "letter" else group_of.get(uid, uid)
            groups[key] = groups[key] + rest * score if key in groups else score
    if level == "letter":
        return [d for d, _ in sorted(groups.items(), key=lambda kv: -kv[1])]
    best: dict[str, float] = {}
    for uid, _ in scored:
        if uid in doc_of:
            doc = doc_of[uid]
            best[doc] = max(best.get(doc, 0.0), groups[group_of.get(uid, uid)])
    return [d for d, _ in sorted(best.items(), key=lambda kv: -kv[1])]


def structures() -> list[str]:
    return ["pieces", "mixed", *(f"apart:{w}" for w in LETTER_WEIGHTS)]


def runs(engine: SearchEngine, task: Task, retrieved: Retrieved) -> dict[tuple[str, str, str], list[list[str]]]:
    """Per (mode, structure, aggregation), each query's ranked documents."""
    out: dict[tuple[str, str, str], list[list[str]]] = {}
    group_of = groups_of(retrieved)
    for query, rankings, mixed in zip(task.queries, retrieved.rankings, retrieved.mixed):
        for mode in REPORT_ORDER:
            for structure in structures():
                scored = fused(engine, rankings, mixed, mode, query.text, structure)
                for aggregation in AGGREGATIONS:
                    out.setdefault((mode, structure, aggregation), []).append(
                        aggregate(scored, aggregation, retrieved.doc_of, group_of))
    return out


def distinct_letters(engine: SearchEngine, task: Task, retrieved: Retrieved, per_document: int) -> list[int]:
    """Per query, the letters among the service's top 10 results (hybrid, grouped per question
    with at most ``per_document`` questions of a letter)."""
    counts = []
    for query, rankings in zip(task.queries, retrieved.rankings):
        scored = [(u, s) for u, s in engine.fuse(rankings, query.text) if u in retrieved.doc_of]
        top = group_results(scored, retrieved.question_of.__getitem__, retrieved.doc_of.__getitem__, limit=TOP,
                            per_document=per_document)
        counts.append(len({retrieved.doc_of[u] for u, _ in top}))
    return counts


def evaluate(engine: SearchEngine, task: Task, retrieved: Retrieved) -> dict:
    """Every (mode, structure, aggregation) on the task's primary metric, each against the
    service's way (mixed, max) with its paired interval; and the letters per top 10."""
    all_runs = runs(engine, task, retrieved)
    grid = []
    for (mode, structure, aggregation), docs in all_runs.items():
        scores = per_query(task, docs, task.primary)
        row = {"mode": mode, "structure": structure, "aggregation": aggregation,
               task.primary: round(mean(scores), 4), "ci95": round(mean_interval(scores), 4)}
        if (structure, aggregation) != ("mixed", "max"):
            row["versus_mixed_max"] = compare(task, docs, all_runs[(mode, "mixed", "max")])
        if (structure, aggregation) != ("pieces", "max"):
            row["versus_pieces_max"] = compare(task, docs, all_runs[(mode, "pieces", "max")])
        grid.append(row)
    letters = {f"per_document_{n}": distinct_letters(engine, task, retrieved, n)
               for n in sorted({engine.settings.per_document, 1})}
    return {"metric": task.primary, "grid": grid,
            "letters_in_top10": {name: {"mean": round(mean(c), 2), "queries_below_8": sum(n < 8 for n in c),
                                        "queries": len(c)} for name, c in letters.items()}}


def choose(results: Mapping[str, dict]) -> dict:
    """The structure with the best mean over the modes and the label tasks, a letter scored by its best
    unit (no sum beat that beyond its interval on any label task: the section's tables)."""
    totals: dict[tuple[str, str], list[float]] = {}
    for name in CHOSEN_ON:
        if name not in results:
            continue
        for row in (r for r in results[name]["grid"] if r["aggregation"] == "max"):
            totals.setdefault((row["structure"], row["aggregation"]), []).append(row[results[name]["metric"]])
    if not totals:
        return {}
    (structure, aggregation), values = max(totals.items(), key=lambda kv: mean(kv[1]))
    return {"structure": structure, "aggregation": aggregation, "mean_over_modes_and_tasks": round(mean(values), 4)}


def section(structure: dict, reference: Mapping[str, dict] | None = None) -> str:
    """The markdown of the measurements: per task, each mode's grid, and the letters per top 10."""
    from .report import table

    parts = [__doc__.split("\n\n", 1)[1].strip()]
    best = structure.get("chosen", {})
    if best:
        parts.append(f"Best over the modes of {', '.join(CHOSEN_ON)} (mean of their primary metric), a letter "
                     f"scored by its best unit: structure `{best['structure']}` "
                     f"({best['mean_over_modes_and_tasks']:.4f}). The service: {structure['service']}.")
    header = ["mode", "structure", "aggregation", "metric", "− pieces/max", "− mixed/max", "− reference"]
    for name, task in structure["tasks"].items():
        metric = task["metric"]
        refs = (reference or {}).get(name, {}).get("results", {})

        def row(r: dict) -> list:
            ref = refs.get(r["mode"], {}).get(metric)
            return [r["mode"], r["structure"], r["aggregation"], f"{r[metric]:.3f} ± {r['ci95']:.3f}",
                    _diff(r.get("versus_pieces_max")), _diff(r.get("versus_mixed_max")),
                    "–" if ref is None else f"{r[metric] - ref:+.3f}"]

        # per mode: every structure at max, and the best sum
        compact = []
        for mode in REPORT_ORDER:
            rows = [r for r in task["grid"] if r["mode"] == mode]
            compact += [r for r in rows if r["aggregation"] == "max"]
            compact.append(max((r for r in rows if r["aggregation"] != "max"), key=lambda r: r[metric]))
        letters = "; ".join(f"{key.replace('_', ' ')}: {v['mean']:.2f} letters on average, {v['queries_below_8']} "
                            f"of {v['queries']} queries under 8" for key, v in task["letters_in_top10"].items())
        parts.append(f"### {name}: {metric}\n\nLetters in the top 10 (hybrid, grouped per question): {letters}.\n\n"
                     + table([*header[:3], metric, *header[4:]], [row(r) for r in compact])
                     + "\n\n<details><summary>Every structure and aggregation</summary>\n\n"
                     + table([*header[:3], metric, *header[4:]], [row(r) for r in task["grid"]]) + "\n\n</details>")
    return "\n\n".join(parts)


def _diff(comparison: dict | None) -> str:
    if comparison is None:
        return "–"
    sign = "**" if comparison["difference"] - comparison["ci95"] > 0 or comparison["difference"] + comparison["ci95"] < 0 else ""
    return f"{sign}{comparison['difference']:+.3f} ± {comparison['ci95']:.3f}{sign}"


def evaluate_all(engine: SearchEngine, tasks: Sequence[Task], retrieved: Mapping[str, Retrieved]) -> dict:
    results = {t.name: evaluate(engine, t, retrieved[t.name]) for t in tasks if t.name in STRUCTURE_TASKS}
    letters = engine.settings.letter_weights
    service = (f"letters apart, BM25's ×{letters['lexical']:g}, the embeddings' ×{letters['dense']:g}, "
               "a letter scored by its best unit" if letters else "letters mixed with the pieces")
    return {"tasks": results, "chosen": choose(results), "service": service}
