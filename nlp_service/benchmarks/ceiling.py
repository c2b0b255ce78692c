"""The encoder's ceiling: how short a cold ingest of a corpus can get with this model here.

A cold ingest is almost all embedding (bench-corpus.md: 96 % of it). This measures,
in one process, on the distinct unit texts of a built index home:

* the tokens the encoder must read (prompt and special tokens included, at most the
  model's window: longer texts were split into passages before they got here);
* the encoder as the service runs it (the configured threads) on a sample of those
  texts: tokens/s, and the embedding time that projects to for the whole corpus;
* the same sample on one thread: no number of worker processes can beat
  ``usable cores x`` that rate;
* an onnxruntime profile of the sample: the share of operator time spent in the int8
  matrix multiplications (quantising their input included). The rest (attention scores
  and softmax, layer norms, GELU, copies) is all that fusing operators or another
  export of the same model could remove.

Three floors for embedding the corpus follow, each against the time left for it:
nothing but the int8 matmuls at today's rate; perfect use of all cores; both at once.
"""
from __future__ import annotations

import json
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ..model.backends import onnx_backend
from ..evaluation.report import table
from . import machine

#: onnxruntime operators that make up an int8 matrix multiplication after dynamic quantisation
INT8_MATMUL_OPS = frozenset({"DynamicQuantizeMatMul", "MatMulIntegerToFloat", "MatMulInteger",
                             "DynamicQuantizeLinear"})
SAMPLE_TEXTS = 300


def measure_ceiling(model_dir: Path, texts: Sequence[str], threads: int, budget_s: float,
                    sample_size: int = SAMPLE_TEXTS) -> dict:
    """``texts``: the distinct texts a cold ingest embeds; ``budget_s``: the time embedding may take."""
    if not texts:
        raise ValueError("no texts to measure")
    service = onnx_backend(model_dir, threads)
    prompt, window = service.settings.document_prompt, service.settings.max_tokens
    total_tokens = sum(min(n, window) for n in service.count([prompt + t for t in texts]))
    sample = random.Random(0).sample(list(texts), min(sample_size, len(texts)))
    sample_tokens = sum(min(n, window) for n in service.count([prompt + t for t in sample]))
    rate = sample_tokens / _seconds_to_encode(service, sample)
    one_thread_rate = sample_tokens / _seconds_to_encode(onnx_backend(model_dir, 1), sample)
    shares = operator_shares(model_dir, threads, sample)
    matmul = round(sum(v for op, v in shares.items() if op in INT8_MATMUL_OPS), 3)
    cores = len(os.sched_getaffinity(0))
    projected = total_tokens / rate
    floors = {"int8_matmuls_only": projected * matmul,
              "all_cores_perfectly_used": total_tokens / (cores * one_thread_rate),
              "both": total_tokens / (cores * one_thread_rate) * matmul}
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine.describe(),
        "texts": len(texts), "tokens": total_tokens, "threads": threads, "usable_cores": cores,
        "sample": {"texts": len(sample), "tokens": sample_tokens},
        "tokens_per_s": round(rate), "one_thread_tokens_per_s": round(one_thread_rate),
        "int8_matmul_share": matmul, "operator_shares": dict(list(shares.items())[:8]),
        "budget_s": budget_s, "projected_s": round(projected, 1),
        "speedup_needed": round(projected / budget_s, 2),
        "floors_s": {name: round(s, 1) for name, s in floors.items()},
        "floors_within_budget": {name: s <= budget_s for name, s in floors.items()},
    }


def _seconds_to_encode(backend, texts: list[str]) -> float:
    backend.encode(texts[:8], document=True)  # first-run set-up
    started = time.perf_counter()
    backend.encode(texts, document=True)
    return max(time.perf_counter() - started, 1e-9)


def operator_shares(model_dir: Path, threads: int, texts: list[str]) -> dict[str, float]:
    """Share of onnxruntime kernel time per operator type while embedding ``texts``, largest first."""
    with tempfile.TemporaryDirectory(prefix="ort-profile-") as tmp:
        backend = onnx_backend(model_dir, threads, profile_prefix=str(Path(tmp) / "encoder"))
        backend.encode(texts, document=True)
        events = json.loads(Path(backend.session.end_profiling()).read_text(encoding="utf-8"))
    micros: Counter[str] = Counter()
    for event in events:
        if event.get("cat") == "Node" and event.get("name", "").endswith("_kernel_time"):
            micros[event["args"]["op_name"]] += event["dur"]
    total = max(sum(micros.values()), 1)
    return {op: round(us / total, 3) for op, us in micros.most_common()}


def markdown(r: dict) -> str:
    floors = [[name.replace("_", " "), r["floors_s"][name], round(r["floors_s"][name] / r["budget_s"], 2),
               "yes" if r["floors_within_budget"][name] else "**no**"] for name in r["floors_s"]]
    ops = [[op, share] for op, share in r["operator_shares"].items()]
    return "\n\n".join([
        "# Encoder ceiling: how short can a cold ingest get?",
        f"Generated by `scripts/bench_encoder_ceiling.py` on {r['created']}. Machine: {r['machine']['cpu_model']}, "
        f"{r['usable_cores']} usable cores; encoder threads {r['threads']}.",
        f"The corpus: {r['texts']:,} distinct unit texts, {r['tokens']:,} tokens (prompt and special tokens "
        f"included). Sample: {r['sample']['texts']} texts, {r['sample']['tokens']:,} tokens.",
        f"The encoder reads {r['tokens_per_s']:,} tokens/s as the service runs it ({r['threads']} threads), "
        f"{r['one_thread_tokens_per_s']:,} on one thread. Embedding the corpus projects to "
        f"{r['projected_s']} s; the time left for it is {r['budget_s']} s, so it needs "
        f"{r['speedup_needed']}× today's speed.",
        "## Where the encoder's time goes (onnxruntime profile of the sample)\n\n"
        + table(["operator", "share of kernel time"], ops)
        + f"\n\nint8 matrix multiplications (quantising their input included): {r['int8_matmul_share']}.",
        "## Floors for embedding the corpus\n\n"
        "*int8 matmuls only*: every other operator free, the matmuls as fast as today. *all cores perfectly "
        "used*: the one-thread rate times the usable cores (the most any number of worker processes could "
        "give). *both*: the two at once.\n\n"
        + table(["floor", "seconds", "/ time left", "within it"], floors),
    ]) + "\n"
