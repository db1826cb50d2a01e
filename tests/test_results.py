"""Tests of audeep.evaluation.results: fold scores, the results' means and spreads."""

import numpy as np
import pytest

from audeep.evaluation import EvaluationResults, FoldScore, fold_scores


def test_fold_scores_by_hand():
    acc, uar = fold_scores(truth=[0, 0, 0, 1, 1, 2], predictions=[0, 0, 1, 1, 0, 2])
    assert acc == pytest.approx(4 / 6)
    assert uar == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    # a predicted class absent from the truth counts with recall 0 (truth ∪ predictions)
    acc, uar = fold_scores(truth=[0, 0, 1, 1], predictions=[0, 2, 1, 1])
    assert acc == pytest.approx(0.75)
    assert uar == pytest.approx((0.5 + 1.0 + 0.0) / 3)


def test_results_mean_and_two_std_by_hand():
    folds = [FoldScore(repeat=1, fold=k + 1, accuracy=a, uar=u, num_train=1, num_eval=1)
             for k, (a, u) in enumerate([(0.5, 0.4), (1.0, 1.0), (0.75, 0.7), (0.75, 0.9)])]
    res = EvaluationResults(folds=folds, confusion_matrix=np.array([[3, 1], [0, 0]]), class_names=["a", "b"])
    assert res.accuracy == pytest.approx(0.75)
    assert res.accuracy_2std == pytest.approx(2 * np.sqrt((0.25 ** 2 * 2) / 4))
    assert res.uar == pytest.approx(0.75)
    assert res.uar_2std == pytest.approx(2 * np.sqrt((0.35 ** 2 + 0.25 ** 2 + 0.05 ** 2 + 0.15 ** 2) / 4))
    assert res.normalised_confusion_matrix().tolist() == [[0.75, 0.25], [0.0, 0.0]]
