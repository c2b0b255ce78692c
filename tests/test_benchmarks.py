"""Benchmark helpers that need no model: machine facts, percentiles, synthetic FAISS corpora."""
import numpy as np
import pytest

from nlp_service.benchmarks import faiss_scale, latency, machine
from nlp_service.retrievers import REPORT_ORDER


def test_machine_is_described_from_proc():
    facts = machine.describe()
    assert facts["cpu_model"] and facts["logical_cores"] >= 1 and facts["memory_gib"] > 0


def test_summarise_reports_percentiles_and_throughput():
    # 1..100 ms: p50 = 50.5, p95 = 95.05, p99 = 99.01 (linear interpolation); 100 requests in 2 s = 50/s
    figures = latency.summarise([float(i) for i in range(1, 101)], wall_s=2.0)
    assert figures["p50_ms"] == pytest.approx(50.5, abs=0.05)
    assert figures["p95_ms"] == pytest.approx(95.0, abs=0.1)
    assert figures["p99_ms"] == pytest.approx(99.0, abs=0.1)
    assert figures["throughput_rps"] == 50.0


def test_noise_scale_gives_the_wanted_cosine():
    # cos(copy, source) = 1 / sqrt(1 + sigma^2 * d)
    sigma = faiss_scale.noise_scale(0.9, 384)
    assert 1 / np.sqrt(1 + sigma ** 2 * 384) == pytest.approx(0.9)


def test_replicate_keeps_real_vectors_and_adds_noisy_unit_copies():
    rng = np.random.default_rng(42)  # not replicate's seed: its noise would be parallel to the vectors
    base = rng.standard_normal((50, 16)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    out = faiss_scale.replicate(base, 120, sigma=faiss_scale.noise_scale(0.9, 16))
    assert out.shape == (120, 16)
    assert np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
    assert np.allclose(out[:50], base, atol=1e-6), "the first block is the real vectors"
    cos = np.sum(out[50:100] * base, axis=1)
    assert 0.8 < float(np.median(cos)) < 0.97, "copies are near their source, not equal to it"


def test_exact_search_scores_perfect_recall():
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((2000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[:5]
    point = faiss_scale.measure("flat", vectors, queries, faiss_scale.exact_neighbours(vectors, queries))
    assert point.recall_at_10 == 1.0 and point.memory_mib > 0 and point.chosen_by_service


@pytest.mark.model
def test_whole_corpus_benchmark_runs_on_a_small_copy_of_the_corpus(service, data_dir, tmp_path):
    """scripts/bench_corpus.py's core on Leiden, 2 Tweede Kamer rows and 6 Belgian questions:
    the same three folders, so the same code path as the full run, in seconds."""
    import csv
    import shutil
    import sys

    from nlp_service.benchmarks import corpus
    from nlp_service.evaluation.datasets import in_window, load_belgian

    mini = tmp_path / "data"
    shutil.copytree(data_dir / "leiden", mini / "leiden")
    csv.field_size_limit(sys.maxsize)
    with open(data_dir / "tweedekamer-2024" / "documents.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[:3]  # the header and two documents
    (mini / "tweedekamer-2024").mkdir()
    with open(mini / "tweedekamer-2024" / "documents.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    window = [r for r in load_belgian(data_dir) if in_window(r)][:6]
    (mini / "dekamer-2017").mkdir()
    (mini / "dekamer-2017" / "questions.jsonl").write_text("".join(r.line for r in window), encoding="utf-8")

    home = tmp_path / "home"
    settings = service.settings.replace(home=home, data_dir=mini)  # the suite's shared embedding cache
    options = corpus.CorpusBenchOptions(home=home, requests={"title": 4, "pasted": 2}, encoder_sample=5)
    result = corpus.run_corpus_bench(settings, service.encoder, options)

    assert result["cold_ingest"]["documents"] == result["index"]["documents"] == 1 + 2 + 6
    assert result["cold_ingest"]["units"] == result["index"]["units"] > 9
    assert result["reindex"]["embedded"] == 0 and result["reindex"]["units"] == result["index"]["units"]
    assert [(r["queries"], r["mode"], r["requests"]) for r in result["latency"]] == [
        (kind, mode, n) for kind, n in (("title", 4), ("pasted", 2)) for mode in REPORT_ORDER]
    assert all(0 < r["p50_ms"] <= r["p95_ms"] for r in result["latency"])
    assert result["targets"]["reindex_under_60_s"] is True
    assert result["encoder_baseline"]["texts"] == 5 and result["encoder_baseline"]["units_per_s"] > 0
    report = corpus.markdown(result)
    assert "| cold ingest (empty store and cache) | 9 |" in report and "## Targets" in report


def test_whole_corpus_benchmark_names_missing_folders(tmp_path):
    from nlp_service.benchmarks import corpus

    (tmp_path / "leiden").mkdir()
    with pytest.raises(corpus.CorpusBenchError, match="tweedekamer-2024.*dekamer-2017"):
        corpus.corpus_paths(tmp_path)


def test_benchmark_report_carries_the_latest_load_test(tmp_path):
    from nlp_service.benchmarks.report import load_test_section

    assert load_test_section(tmp_path / "load-test.json") == "", "no load test run: no section"
    (tmp_path / "load-test.json").write_text(
        '{"machine": {"load_average_at_start": [1.0, 1.0, 1.0]}, "clients": 16, "seconds": 60, "requests": 3000,'
        ' "errors": 0, "p50_ms": 300.0, "p95_ms": 420.0, "p99_ms": 510.0, "throughput_rps": 50.0,'
        ' "rss_mib_start": 900.0, "rss_mib_half_way": 950.0, "rss_mib_end": 951.0}', encoding="utf-8")
    section = load_test_section(tmp_path / "load-test.json")
    assert "## Load test" in section and "| 16 | 60 | 3,000 | 0 | 300.0 | 420.0 | 510.0 |" in section


@pytest.mark.model
def test_encoder_ceiling_profiles_the_int8_encoder(model_dir):
    """scripts/bench_encoder_ceiling.py's core on a few real unit-like texts."""
    from nlp_service.benchmarks import ceiling

    texts = ["Hoeveel sociale huurwoningen zijn er in 2023 in Leiden gebouwd?",
             "Het college heeft de raad op 12 maart geïnformeerd over de stand van de woningbouw. " * 8,
             "Welke maatregelen neemt u tegen scheefwonen?", "Nee."]
    result = ceiling.measure_ceiling(model_dir, texts, threads=2, budget_s=1.0, sample_size=3)

    assert result["sample"]["texts"] == 3 and result["texts"] == 4
    assert result["sample"]["tokens"] < result["tokens"] <= 4 * 512
    # the model is an int8 export: its dynamic-quantised matmuls take much of the time, not all
    assert 0.2 < result["int8_matmul_share"] < 1.0
    assert abs(sum(ceiling.operator_shares(model_dir, 1, texts).values()) - 1.0) < 0.01
    floors = result["floors_s"]
    assert floors["both"] <= min(floors["int8_matmuls_only"], floors["all_cores_perfectly_used"])
    # both are rounded to 0.1 s, so on four short texts they may meet; the share < 1 above is the strict check
    assert floors["int8_matmuls_only"] <= result["projected_s"]
    assert result["speedup_needed"] == pytest.approx(result["projected_s"] / 1.0, abs=0.06)  # budget: 1 s
    report = ceiling.markdown(result)
    assert "| int8 matmuls only |" in report and "DynamicQuantizeMatMul" in report
