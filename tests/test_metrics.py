"""Ranking metrics against hand-computed values (the arithmetic is in the comments)."""
import math

import pytest

from nlp_service.evaluation.metrics import (
    dcg, mean, ndcg_at_k, paired_difference, recall_at_k, reciprocal_rank_at_k, score, unique_in_order,
)

LOG2_3 = math.log2(3)  # 1.5849625...


def test_dcg_discounts_by_log2_of_rank_plus_one():
    # 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 2/1.58496 + 1/2 = 3 + 1.26186 + 0.5 = 4.76186
    assert dcg([3, 2, 1]) == pytest.approx(3 + 2 / LOG2_3 + 0.5)
    assert dcg([]) == 0.0


def test_ndcg_with_graded_relevance():
    grades = {"a": 2, "b": 1, "c": 1}
    # ranked x, a, c (b not retrieved):
    #   DCG@3  = 0/log2(2) + 2/log2(3) + 1/log2(4) = 0 + 1.26186 + 0.5 = 1.76186
    #   IDCG@3 = 2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 0.63093 + 0.5 = 3.13093
    #   nDCG@3 = 1.76186 / 3.13093 = 0.56273
    expected = (2 / LOG2_3 + 0.5) / (2 + 1 / LOG2_3 + 0.5)
    assert ndcg_at_k(["x", "a", "c"], grades, 3) == pytest.approx(expected)
    assert expected == pytest.approx(0.56273, abs=1e-5)


def test_ndcg_cut_at_k_uses_ideal_of_k_items():
    grades = {"a": 2, "b": 1, "c": 1}
    # k = 1: DCG = 1 (b at rank 1), IDCG = 2 (a at rank 1): 1/2
    assert ndcg_at_k(["b", "a"], grades, 1) == pytest.approx(0.5)
    # the ideal order scores 1, irrespective of what follows
    assert ndcg_at_k(["a", "b", "c", "x"], grades, 10) == pytest.approx(1.0)


def test_ndcg_without_relevant_items_is_zero():
    assert ndcg_at_k(["a"], {}, 10) == 0.0


def test_reciprocal_rank_only_counts_the_top_k():
    # first relevant item c at rank 3 -> 1/3
    assert reciprocal_rank_at_k(["a", "b", "c", "d"], {"c", "d"}, 10) == pytest.approx(1 / 3)
    # ... but outside the top 2 -> 0
    assert reciprocal_rank_at_k(["a", "b", "c"], {"c"}, 2) == 0.0
    assert reciprocal_rank_at_k(["c"], {"c"}, 1) == 1.0


def test_recall_is_share_of_relevant_found_in_top_k():
    # relevant {a, b, c, d}; top 3 = x, a, c -> 2 of 4 = 0.5
    assert recall_at_k(["x", "a", "c", "b"], {"a", "b", "c", "d"}, 3) == pytest.approx(0.5)
    # top 4 adds b -> 3 of 4
    assert recall_at_k(["x", "a", "c", "b"], {"a", "b", "c", "d"}, 4) == pytest.approx(0.75)
    assert recall_at_k(["x"], set(), 10) == 0.0


def test_unique_in_order_counts_a_document_once():
    # units of documents 7, 7, 3, 7, 5 -> documents 7, 3, 5: document 3 is at rank 2, not 3
    docs = unique_in_order([7, 7, 3, 7, 5])
    assert docs == [7, 3, 5]
    assert reciprocal_rank_at_k(docs, {3}, 10) == pytest.approx(1 / 2)


def test_mean_of_nothing_is_zero():
    assert mean([0.5, 1.0, 0.0]) == pytest.approx(0.5)
    assert mean([]) == 0.0


def test_score_dispatches_on_metric_name():
    grades = {"a": 2, "b": 1}
    ranked = ["x", "a", "b"]
    assert score("mrr@10", ranked, grades) == pytest.approx(1 / 2)
    assert score("recall@2", ranked, grades) == pytest.approx(1 / 2)
    # DCG = 2/log2(3) + 1/2 = 1.76186; IDCG = 2 + 1/log2(3) = 2.63093
    assert score("ndcg@10", ranked, grades) == pytest.approx((2 / LOG2_3 + 0.5) / (2 + 1 / LOG2_3))
    with pytest.raises(ValueError):
        score("map@10", ranked, grades)


def test_paired_difference_and_its_interval():
    # diffs 0.2, 0.0, 0.4, 0.2: mean 0.2; sample variance (0 + 0.04 + 0.04 + 0) / 3 = 0.026667;
    # sd/sqrt(n) = sqrt(0.026667 / 4) = 0.08165; half-width 1.96 * 0.08165 = 0.16003
    centre, half = paired_difference([0.7, 0.5, 0.9, 0.6], [0.5, 0.5, 0.5, 0.4])
    assert centre == pytest.approx(0.2)
    assert half == pytest.approx(0.16003, abs=1e-5)
    with pytest.raises(ValueError):
        paired_difference([1.0], [1.0, 0.0])
