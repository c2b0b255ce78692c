"""The record of a tuning run, written by ``nlp-service model tune``: ``tuning.json``,
``tuning.md`` and the loss curve ``tuning-loss.png`` (in ``docs/`` by default)."""
from __future__ import annotations

from pathlib import Path

from ..fsutil import atomic_save_figure, atomic_write_report, pyplot

STEM = "tuning"
LOSS_PNG = "tuning-loss.png"


def _loss_figure(curve: list, path: Path, title: str) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    try:
        steps, losses = zip(*curve) if curve else ((), ())
        ax.plot(steps, losses, marker=".", linewidth=1)
        ax.set_xlabel("training step")
        ax.set_ylabel("MNRL loss (logged mean)")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        atomic_save_figure(fig, path)
    finally:
        plt.close(fig)


def _markdown(report: dict, out_dir: Path) -> str:
    data, training, options, onnx = report["data"], report["training"], report["options"], report["onnx"]
    curve = training["loss_curve"]
    int8 = onnx["int8_vs_torch"]
    tokens = training["tokens"]
    first, last = (curve[0][1], curve[-1][1]) if curve else (None, None)
    return f"""# Tuning the encoder on the store's own questions and answers

Written by `nlp-service model tune` on {report['tuned_at']} (model `{out_dir.name}`, from
`{Path(report['tuned_from']).name}`).

## Data

| | |
|---|---|
| letters submitted before | {data['cutoff']} |
| pairs available | {data['pairs_available']:,} |
| pairs trained on | {data['pairs']:,} ({data['answer_pairs']:,} question → answer, {data['intro_pairs']:,} question → intro) |
| letters | {data['letters']:,} |
| negatives | in-batch, plus one BM25-hard passage per pair from another letter with another title |
| tokens (prompt included, first 500 pairs) | questions p50 {tokens['anchor']['p50']} / p90 {tokens['anchor']['p90']}, passages p50 {tokens['positive']['p50']} / p90 {tokens['positive']['p90']} |
| cut at max_seq_length {options['max_seq_length']} while training | {tokens['anchor']['truncated_share']:.0%} of questions, {tokens['positive']['truncated_share']:.0%} of passages |

## Training

| | |
|---|---|
| loss | MultipleNegativesRankingLoss, prompts `query: ` / `passage: ` |
| batch, learning rate, epochs, seed | {options['batch_size']}, {options['learning_rate']}, {options['epochs']}, {options['seed']} |
| parameters trained | {training['trainable_parameters']:,} of {training['parameters']:,} (word embeddings frozen) |
| steps | {training['steps']:,} of {training['steps_planned']:,} planned ({training['pairs_seen']:,} pairs seen); stopped by: {training['stopped_by']} |
| training time (this run) | {training['seconds_this_run'] / 60:.1f} min |
| loss, first → last logged | {first} → {last} |

![Loss curve]({LOSS_PNG})

## Export and verification

int8 ONNX vs the tuned torch model on the held-out probe ({int8['texts']} texts): mean cosine
{int8['mean_cosine']:.4f}, min {int8['min_cosine']:.4f}, top-1 agreement {int8['top1_agreement']:.0%}:
{'shipped' if onnx['file'] else '**not shipped** (the service runs this model on torch)'}.
"""


def write_tuning_report(report: dict, out_dir: Path, folder: Path) -> list[Path]:
    """``tuning.json`` / ``tuning.md`` / ``tuning-loss.png`` in ``folder``; returns their paths."""
    folder = Path(folder)
    curve = report["training"]["loss_curve"]
    _loss_figure(curve, folder / LOSS_PNG, f"{Path(out_dir).name}: {report['data']['pairs']:,} pairs")
    atomic_write_report(folder, STEM, report, _markdown(report, Path(out_dir)))
    return [folder / f"{STEM}.md", folder / f"{STEM}.json", folder / LOSS_PNG]
