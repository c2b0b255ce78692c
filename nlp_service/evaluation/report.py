"""Writes an evaluation result: JSON (the figures), Markdown (the report) and a bar chart."""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ..fsutil import atomic_save_figure, atomic_write_text, pyplot
from ..retrievers import REPORT_ORDER
from . import structure
from .scoring import RRF_K_GRID, WEIGHT_GRID

METHOD = """\
## Method

Everything is measured on the shared corpus through the search core
(`SearchEngine.candidate_rankings` and `SearchEngine.fuse`), in an index home of
its own built with `Indexer` from the shared data. Relevance labels (themes,
descriptors, title groups, FAQ ids) are read by the evaluator only; ranking
sees the query text and the filters.

* **Precedent search** (`dekamer-2017`). Queries: the questions submitted in
  May–June 2017. Candidates: the questions submitted before the query
  (`Filters(until=day before, source="dekamer-2017")`, applied before the cut).
  Relevant: same title group (`same_title_groups.json`, grade 2), or the same
  `question_theme_main` and at least one shared `question_theme` descriptor
  (grade 1). Queries with no relevant earlier question are left out (counted as
  *skipped*). Two kinds of query: the question **pasted** whole (title + body,
  what a griffie member would paste; cut at the service's query limit), and its
  **title** alone (a short typed query). nDCG@10 (linear gain, trec_eval), MRR@10
  (first grade-1-or-2 hit), Recall@50.
* **Question → answer**. Each answered Belgian question of May–June 2017 (title +
  body; the precedent queries, so their vectors are encoded once for both tasks)
  against every Belgian answer passage of the corpus, and each Rijksoverheid FAQ
  question against every FAQ answer passage (indexed as their own collection,
  answers only), with `Filters(kinds=("answer",))`. The one relevant document is
  the question's own. MRR@10, Recall@1, Recall@10.
* **Judged precedent search** (full runs only; the home then also holds the Tweede Kamer
  and Leiden letters). 70 typed and pasted queries over all council letters, relevance
  judged 0/1/2 per letter by reading the pooled top 20 of every mode
  (`tests/data/judged/`, GUIDELINE.md); a pasted query's own letter is left out; FAQ
  passages are not part of it. nDCG@10, MRR@10, Recall@20; never tuned on.
* **Per-letter reference baseline** (issue #18): BM25 and e5 over one entry per letter
  (title, intro, questions; no answers), plain RRF (k = 60), on the precedent and judged
  tasks, each service mode compared with the same reference mode.
* **Judging.** The core ranks units (intro, question, answer passages); a
  document is judged once, at the rank of its first unit (the order grouping by
  question gives, without cutting to k results first).
* **Depth.** Each retriever hands {depth} units to the fusion (the service's
  default is {service_depth}), so Recall@50 counts documents rather than the
  candidate cut; *hybrid at service depth* shows the fusion with {service_depth}.
* **Tuning.** The same candidate lists, cut to the service's {service_depth},
  re-fused over lexical weight {weights} (dense weight 1: RRF only sees the
  ratio) × RRF constant {ks}, scored on each task's first metric. A difference is called clear when the 95%
  interval of the paired per-query difference excludes zero.
* **Reference figures.** The issue quotes nDCG@10 BM25 0.608, dense 0.654, RRF
  0.715 measured elsewhere, with judgements and a candidate set we do not know;
  the levels here follow from the judgements above (grade 1 is broad: see the
  number of relevant documents per query under *Per task*), so compare the
  order of the three modes, not the levels.
* **Cost.** The evaluation home shares the serving home's embedding cache, and
  keeps the query vectors in `query_vectors.npz`: a second run embeds nothing.
"""


def write_outputs(result: dict, out_dir: Path) -> dict[str, Path]:
    """Write ``evaluation[-quick].{json,md,png}`` into ``out_dir``; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = "evaluation-quick" if result["quick"] else (
        "evaluation" if result["sample"] >= 1 else f"evaluation-sample{round(result['sample'] * 100)}")
    paths = {"json": out_dir / f"{stem}.json", "markdown": out_dir / f"{stem}.md", "chart": out_dir / f"{stem}.png"}
    atomic_write_text(paths["json"], json.dumps(result, ensure_ascii=False, indent=2))
    bar_chart(result["tasks"], paths["chart"])
    atomic_write_text(paths["markdown"], markdown(result, paths["chart"].name))
    return paths


# -- chart ---------------------------------------------------------------------


def bar_chart(tasks: dict, path: Path) -> None:
    """One panel per task: its metrics as groups, one bar per mode."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.2 * len(tasks), 3.6), squeeze=False)
    width = 0.8 / len(REPORT_ORDER)
    for ax, (name, task) in zip(axes[0], tasks.items()):
        for i, mode in enumerate(REPORT_ORDER):
            values = [task["results"][mode][m] for m in task["metrics"]]
            positions = [j + (i - (len(REPORT_ORDER) - 1) / 2) * width for j in range(len(values))]
            ax.bar(positions, values, width, label=mode)
        ax.set_xticks(range(len(task["metrics"])), task["metrics"])
        ax.set_ylim(0, 1)
        ax.set_title(f"{name} ({task['queries']} q.)", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    atomic_save_figure(fig, path)
    plt.close(fig)


# -- markdown ------------------------------------------------------------------


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: object) -> str:
    """Scores (at most 1) with three decimals; timings, sizes and counts readable."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) <= 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _bold_best(values: dict[str, float]) -> dict[str, str]:
    best = max(values.values())
    return {k: f"**{v:.3f}**" if v == best else f"{v:.3f}" for k, v in values.items()}


def markdown(result: dict, chart_name: str) -> str:
    settings = result["settings"]
    parts = [
        "# Retrieval evaluation" + (" (quick subset)" if result["quick"] else "")
        + (f" ({result['sample']:.0%} sample)" if result["sample"] < 1 else ""),
        _intro(result),
        "## Summary\n\n" + _summary_table(result["tasks"]) + f"\n\n![retrieval quality per task]({chart_name})",
        "## Per task\n\n" + "\n\n".join(_task_section(n, t) for n, t in result["tasks"].items()),
        *(["## Judged precedent search\n\n" + judged_section(result["tasks"]["judged"])]
          if "judged" in result["tasks"] else []),
        *(["## Per-letter reference baseline (issue #18)\n\n" + reference_section(result["reference"], result["tasks"])]
          if result.get("reference") else []),
        *(["## Ranking with structure (issue #18)\n\n" + structure.section(result["structure"], result.get("reference"))]
          if result.get("structure") else []),
        "## Tuning the fusion\n\n" + "\n\n".join(_tuning_section(n, t, settings) for n, t in result["tasks"].items()
                                                   if "tuning" in t),
        *([_floor_section(result["match_floor"])] if result.get("match_floor") else []),
        *(["## Dossier of a letter\n\n" + dossier_section(result["dossier"])] if "dossier" in result else []),
        "## Question and answer linking (parser)\n\n" + _linking_section(result["linking"]),
        METHOD.format(depth=settings["candidates_per_retriever"], service_depth=settings["service_candidates"],
                      weights=", ".join(map(str, WEIGHT_GRID)), ks=", ".join(map(str, RRF_K_GRID))),
        "## Timings\n\n" + table(["phase", "seconds"], [[k, f"{v:.1f}"] for k, v in result["timings_s"].items()]),
    ]
    return "\n\n".join(parts) + "\n"


def _intro(result: dict) -> str:
    s, c = result["settings"], result["corpus"]
    return (f"Generated by `nlp-service eval{' --quick' if result['quick'] else ''}` on {result['created']}. "
            f"Corpus: {c['belgian_records']} Belgian records and {c['faq_items']} FAQ passages "
            f"({c['units']} units); model `{s['model_id']}`; service fusion: RRF k={s['rrf_k']}, "
            f"weights lexical {s['weight_lexical']} / dense {s['weight_dense']}"
            + (f", lexical {s['weight_lexical_short']} for queries of at most {s['short_query_words']} words"
               if "weight_lexical_short" in s else "") + ".")


def _summary_table(tasks: dict) -> str:
    rows = []
    for name, t in tasks.items():
        cells = _bold_best({m: t["results"][m][t["primary"]] for m in REPORT_ORDER})
        rows.append([name, t["queries"], t["primary"], *cells.values(), _versus(t["hybrid_vs_best_single"])])
    return (table(["task", "queries", "metric", *REPORT_ORDER, "hybrid − best single (95% CI)"], rows)
            + "\n\nThe last column is the paired difference over the same queries; **clear** when its 95% interval "
              "excludes zero.")


def _versus(comparison: dict) -> str:
    verdict = "**clear**" if comparison["clear"] else "within noise"
    versus = f" vs {comparison['versus']}" if "versus" in comparison else ""
    return f"{comparison['difference']:+.3f} ± {comparison['ci95']:.3f}{versus}: {verdict}"


def _task_section(name: str, task: dict) -> str:
    rows = [[mode, *(task["results"][mode][m] for m in task["metrics"]), f"± {task['ci95'][mode]:.3f}"]
            for mode in REPORT_ORDER]
    rows.append(["hybrid at service depth", *(task["hybrid_at_service_candidates"][m] for m in task["metrics"]), ""])
    skipped = task["skipped_without_relevant"]
    facts = (f"{task['description']}. {task['queries']} queries (mean {task['mean_query_words']} words, "
             f"{task['mean_relevant']} relevant documents each)"
             + (f"; {skipped} skipped without a relevant earlier question" if skipped else "") + ".")
    ceiling = "".join(f" {m} cannot exceed {v:.3f} here (k / relevant documents, per query)."
                      for m, v in task.get("recall_ceiling", {}).items() if v < 0.995)
    return f"### {name}\n\n{facts}{ceiling}\n\n" + table(["mode", *task["metrics"], f"{task['primary']} 95% CI"], rows)


def judged_section(task: dict) -> str:
    """nDCG@10 per mode and kind of query, with intervals, and how much of each top 10 was judged."""
    judged = task["judged"]
    kinds = sorted(next(iter(judged.values()))["by_kind"])
    rows = [[mode, f"{v['mean']:.3f} ± {v['ci95']:.3f}",
             *(f"{v['by_kind'][k]['mean']:.3f} ± {v['by_kind'][k]['ci95']:.3f}" for k in kinds), v["judged_at_10"]]
            for mode, v in judged.items()]
    counts = ", ".join(f"{next(iter(judged.values()))['by_kind'][k]['queries']} {k}" for k in kinds)
    return (f"{task['queries']} queries ({counts}); left out for want of a relevant letter: "
            f"{task['skipped_without_relevant']}. Judgements: `tests/data/judged/` (see its GUIDELINE.md); ± is the 95% interval of "
            f"the mean. *judged@10*: the share of each top 10 that was judged (unjudged letters count as not "
            f"relevant; re-pool when it drops).\n\n"
            + table(["mode", "nDCG@10 (all)", *(f"nDCG@10 ({k})" for k in kinds), "judged@10"], rows))


def reference_section(reference: dict, tasks: dict) -> str:
    """Each service mode against the same mode of the per-letter baseline (reference.py)."""
    rows = []
    for name, ref in reference.items():
        primary = tasks[name]["primary"]
        for mode in REPORT_ORDER:
            rows.append([name, mode, tasks[name]["results"][mode][primary], ref["results"][mode][primary],
                         _versus(ref["service_minus_reference"][mode])])
    return ("One entry per letter (title, intro and question text; no answers), BM25 over it with the service's "
            "analyzer, multilingual-e5-small over the same text, plain RRF (k = 60, equal weights): the baseline "
            "the issue quotes, rebuilt over this home's letters. The service's modes rank units and judge a letter "
            "at its first unit.\n\n"
            + table(["task", "mode", "service", "reference", "service − reference (95% CI)"], rows))


def _tuning_section(name: str, task: dict, settings: dict) -> str:
    tuning = task["tuning"]
    metric = tuning["metric"]
    grid = {(row["weight_lexical"], row["rrf_k"]): row[metric] for row in tuning["grid"]}
    rows = [[f"lexical ×{w}", *(grid[(w, k)] for k in RRF_K_GRID)] for w in WEIGHT_GRID]
    best = tuning["best"]
    return (f"### {name}: {metric}\n\nBest: lexical weight {best['weight_lexical']} (dense 1), k={best['rrf_k']}: "
            f"{best[metric]:.3f}; the service's fusion scores {task['hybrid_at_service_candidates'][metric]:.3f} "
            f"(best − service: {_versus(tuning['best_vs_service'])}).\n\n"
            + table([metric, *(f"k={k}" for k in RRF_K_GRID)], rows))


FLOOR_INTRO = """\
## Relevance floor: direct matches and related results

The page calls a result a *direct* match only above the relevance floor, and otherwise says
"Geen directe treffers" and shows a few *Verwante vragen* (`SearchEngine.judge`): the cosine
of the query and the matched text must reach the floor and, for a short typed query, the
matched text must hold the given share of the query's words. Judged here on each query's
top {top} documents as the service ranks them. *Precision* is the share of relevant documents
among those called direct, *relevant kept* the share of the top {top}'s relevant documents
called direct; the best point maximises F0.5 (precision counts twice)."""


def _floor_section(floors: dict) -> str:
    parts = [FLOOR_INTRO.format(top=next(iter(floors.values()))["top"])]
    header = ["floor", "coverage", "precision", "relevant kept", "F0.5", "direct / query", "no direct match"]

    def row(label: str, p: dict) -> list:
        return [label if label == "no floor" else f"{label} {p['floor']:.2f}".strip(), f"{p['coverage']:.2f}", p["direct_precision"], p["relevant_kept"],
                p["f0.5"], f"{p['direct_per_query']:.1f}", f"{p['queries_without_direct']} of {p['queries']}"]

    for name, floor in floors.items():
        summary = [row("no floor", floor["without_floor"]), row("service", floor["service"]),
                   row("best", floor["best"])]
        grid = [row("", p) for p in floor["grid"]]
        parts.append(f"### {name}\n\n" + table(header, summary) + "\n\n<details><summary>The whole grid</summary>\n\n"
                     + table(header, grid) + "\n\n</details>")
    return "\n\n".join(parts)


def _linking_section(linking: dict) -> str:
    tk = linking["tweedekamer"]
    header = ["documents", "kind", "parsed", "question count exact", "answered count exact", "answer link recall"]
    rows = [[v["documents"], kind, v["parsed"], v["question_count_exact"], v["answered_count_exact"],
             v["answer_link_recall"]] for kind, v in [("all", tk["overall"]), *tk["by_kind"].items()]]
    text = ("Tweede Kamer documents against the header counts of `index.tsv` (question count: parsed questions = "
            "`Vraag N` headers; answered count: questions with an answer = `Antwoord N` headers, and 0 for "
            "questions-only and postponement documents; link recall: answers linked / answer headers).\n\n"
            + table(header, rows))
    if tk["disagreements"]:
        text += ("\n\nDocuments that disagree with the header counts (read them: a combined `Vraag 2 en 3` "
                 "header or a repeated one makes the count, not the parse, wrong):\n\n")
        text += table(["document", "kind", "Vraag headers", "Antwoord headers", "parsed questions", "parsed answered"],
                      [list(d.values()) for d in tk["disagreements"]])
    if linking["tweedekamer_errors"]:
        text += "\n\nNot parsed: " + "; ".join(linking["tweedekamer_errors"])
    gold = linking.get("gold")
    if gold:
        text += "\n\n" + _gold_section(gold)
    else:
        text += "\n\nThe hand-labelled gold sample (`tests/data/dekamer_gold.json`) is not there yet."
    return text


def _gold_section(gold: dict) -> str:
    rows = [["records", gold["records"]], ["questions", gold["questions"]],
            ["question numbering exact (per record)", gold["numbering_exact"]],
            ["answer linked right (per question)", gold["link_accuracy"]]]
    rows += [[f"… in category {category}", share] for category, share in gold["link_accuracy_by_category"].items()]
    return ("Hand-labelled Belgian gold sample (`tests/data/dekamer_gold.json`; a link is right when the parsed "
            "answer begins as labelled, whitespace-insensitive, or is absent where labelled unanswered):\n\n"
            + table(["figure", "value"], rows))


def _share(figure: dict) -> str:
    """``0.95 [0.89, 0.98] (n = 120)``: a proportion with its 95% interval."""
    if figure["value"] is None:
        return f"- (n = {figure['n']})"
    return f"{figure['value']:.3f} [{figure['ci95'][0]:.3f}, {figure['ci95'][1]:.3f}] (n = {figure['n']})"


def dossier_section(dossier: dict) -> str:
    asked = dossier["asked_before"]
    return (f"{dossier['description']}.\n\n" + table(
        ["letters", "sub-questions scored", "precedent nDCG@10", "asked_before fired", "precision (95% CI)",
         "recall (95% CI)"],
        [[dossier["letters"], dossier["questions_scored"], f"{dossier['ndcg@10']:.4f}", asked["fired"],
          _share(asked["precision"]), _share(asked["recall"])]]))
