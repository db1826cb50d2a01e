"""Judge learned features: classifiers, cross-validated and partitioned evaluation, prediction.

- :mod:`~audeep.evaluation.learners`: :class:`MLPClassifier` (Keras) and :class:`LinearSVM`
  (scikit-learn), both scikit-learn classifiers;
- :mod:`~audeep.evaluation.protocol`: :func:`evaluate` (cross-validation or partitions,
  repeats, upsampling, majority vote), :func:`predict`, :func:`evaluation_splits`,
  :func:`majority_vote`;
- :mod:`~audeep.evaluation.results`: :class:`FoldScore`, :class:`EvaluationResults`,
  :func:`fold_scores` and the CSV files (:func:`append_results_row`, :func:`write_predictions`).

TensorFlow is imported only when an :class:`MLPClassifier` is fitted; the SVM path does
not import it.
"""

from audeep.evaluation.learners import LinearSVM, MLPClassifier
from audeep.evaluation.protocol import (
    evaluate,
    evaluation_splits,
    majority_vote,
    predict,
)
from audeep.evaluation.results import (
    EvaluationResults,
    FoldScore,
    append_results_row,
    fold_scores,
    results_row,
    write_predictions,
)

__all__ = [
    "EvaluationResults",
    "FoldScore",
    "LinearSVM",
    "MLPClassifier",
    "append_results_row",
    "evaluate",
    "evaluation_splits",
    "fold_scores",
    "majority_vote",
    "predict",
    "results_row",
    "write_predictions",
]
