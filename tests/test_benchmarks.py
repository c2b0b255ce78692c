"""Benchmark helpers that need no model: machine facts, percentiles, synthetic FAISS corpora."""
import numpy as np
import pytest

from nlp_service.benchmarks import faiss_scale, latency, machine


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
