"""``nlp-service model tune`` on the session index: a tiny real run, interrupted with Ctrl-C after
its first step and resumed until its time budget is spent, through the int8 ONNX export and its
verification; the training
pairs (time split, negatives, seed); and the errors an operator can make.

The tiny run (48 pairs, 3 steps of 16, in two runs, each loading the model) takes 81 s on the quiet 2-core machine.
"""
from __future__ import annotations

import json
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nlp_service.config import REPO_ROOT
from nlp_service.embedding import Encoder
from nlp_service.model import ONNX_INT8, REPORT, is_built
from nlp_service.model.tune_data import training_pairs

pytestmark = pytest.mark.model

CUTOFF = "2017-02-01"  # the session index holds Belgian letters of January 2017 and Leiden/TK letters after it


def tune_command(settings, *args: str) -> list[str]:
    return [sys.executable, "-m", "nlp_service.cli", "--home", str(settings.home), "--model-dir",
            str(settings.model_dir), "model", "tune", "--cutoff", CUTOFF, *args]


def interrupt_after_first_step(proc: subprocess.Popen, steps: int, timeout: float = 240) -> str:
    """Send Ctrl-C once the progress bar shows the first step done; the output so far."""
    seen, deadline = "", time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([proc.stderr], [], [], 1)
        if ready:
            seen += proc.stderr.read1(4096).decode("utf-8", "replace")
            if re.search(rf"\b1/{steps}\b", seen):
                proc.send_signal(signal.SIGINT)
                return seen
    raise AssertionError(f"no first training step; output: {seen[-2000:]}")


@pytest.mark.timeout(420)
def test_a_tiny_tune_is_interrupted_resumed_exported_and_verified(indexed_settings, tmp_path):
    out, docs = tmp_path / "models" / "tuned", tmp_path / "docs"
    args = ("--max-pairs", "48", "--batch-size", "16", "--out", str(out), "--report-dir", str(docs))
    base_weights = indexed_settings.model_dir / "model.safetensors"
    base_mtime = base_weights.stat().st_mtime_ns
    # a suite run in the background inherits SIGINT ignored: give the run the terminal's default
    proc = subprocess.Popen(tune_command(indexed_settings, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=REPO_ROOT, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    interrupt_after_first_step(proc, steps=3)
    stdout, _ = proc.communicate(timeout=240)
    assert proc.returncode == 130, stdout
    assert "--resume" in stdout.decode()
    work = out.parent / f".{out.name}.tuning"
    checkpoints = list((work / "checkpoints").glob("checkpoint-*"))
    assert checkpoints, "the interrupted run saved no checkpoint"
    saved_step = max(int(p.name.rsplit("-", 1)[1]) for p in checkpoints)
    assert not out.exists()

    # resumed with a time budget that is spent by its first step: it stops there and exports
    resumed = subprocess.run(tune_command(indexed_settings, *args, "--resume", "--max-minutes", "0.0001", "-q"),
                             capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert is_built(out) and (out / ONNX_INT8).is_file() and not work.exists()
    report = json.loads((out / REPORT).read_text(encoding="utf-8"))
    assert report["onnx"]["int8_vs_torch"]["passed"] and report["onnx"]["fp32_vs_torch"]["passed"]
    assert report["data"]["pairs"] == 48 and report["data"]["cutoff"] == CUTOFF
    training = report["training"]
    assert training["stopped_by"] == "time budget" and training["steps_planned"] == 3
    assert training["steps"] == saved_step + 1
    assert [step for step, _ in training["loss_curve"]] == list(range(1, saved_step + 2))  # both runs' steps
    assert training["trainable_parameters"] < training["parameters"] / 4  # the word embeddings stayed frozen
    for name in ("tuning.md", "tuning.json", "tuning-loss.png"):
        assert (docs / name).stat().st_size > 0, name

    # a new model id (the embedding cache and the index tell the models apart); vectors moved, a little
    base, tuned = Encoder(indexed_settings.model_dir, threads=2), Encoder(out, threads=2)
    assert tuned.model_id.startswith("tuned/onnx-int8@") and tuned.model_id != base.model_id
    texts = ["Wat doet het college tegen scheefwonen in sociale huurwoningen?"]
    cosine = float(np.sum(base.encode_queries(texts) * tuned.encode_queries(texts)))
    assert 0.8 < cosine < 0.99999
    assert base_weights.stat().st_mtime_ns == base_mtime  # the base model stays as it was


def test_pairs_are_from_before_the_cutoff_with_negatives_from_other_letters(indexed_settings):
    store = indexed_settings.paths.store
    pairs, counts = training_pairs(store, CUTOFF, 40, seed=7)
    assert counts["pairs"] == len(pairs) == 40 < counts["pairs_available"]
    conn = sqlite3.connect(store)
    dates = dict(conn.execute("SELECT id, submitted FROM documents"))
    intros = {text for (text,) in conn.execute("SELECT text FROM units WHERE kind = 'intro'")}
    conn.close()
    assert all(dates[p.document_id] < CUTOFF for p in pairs)
    assert {p.kind for p in pairs} == {"answer", "intro"}
    assert all((p.positive in intros) == (p.kind == "intro") for p in pairs)
    assert all(p.negative != p.positive for p in pairs)
    assert training_pairs(store, CUTOFF, 40, seed=7)[0] == pairs  # reproducible
    assert training_pairs(store, CUTOFF, 40, seed=8)[0] != pairs


@pytest.mark.parametrize("args, message", [
    (("--cutoff", "2017-02-30"), "Error: --cutoff must be a date as YYYY-MM-DD, got '2017-02-30'"),
    (("--cutoff", "1990-01-01"), "Error: only 0 question-answer pairs in letters submitted before 1990-01-01"),
    (("--cutoff", CUTOFF, "--resume"), "Error: nothing to resume"),
])
def test_errors_are_one_line_and_exit_1(cli, indexed_settings, tmp_path, args, message):
    result = cli("model", "tune", *args, "--out", tmp_path / "tuned", "-q", settings=indexed_settings)
    assert result.exit_code == 1 and result.output.startswith(message), result.output
    assert result.output.count("\n") == 1 and not (tmp_path / "tuned").exists()


def test_no_store_and_an_existing_target_are_errors(cli, indexed_settings, tmp_path):
    no_store = cli("--home", tmp_path / "empty", "model", "tune", "--cutoff", CUTOFF, "--out", tmp_path / "t")
    assert no_store.exit_code == 1 and no_store.output.startswith("Error: no store at "), no_store.output
    taken = tmp_path / "taken"
    taken.mkdir()
    result = cli("model", "tune", "--cutoff", CUTOFF, "--out", taken, settings=indexed_settings)
    assert result.exit_code == 1 and result.output.startswith(f"Error: {taken} already exists"), result.output
