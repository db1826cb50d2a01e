"""What an evaluation found, and the files it writes.

:class:`FoldScore` holds the scores of one fold of one repeat, :class:`EvaluationResults`
all of them with the summed confusion matrix.  :func:`fold_scores` computes accuracy and
UAR of one fold.  :func:`results_row` and :func:`append_results_row` append a summary row
to a results CSV file; :func:`write_predictions` writes the table of
:func:`audeep.evaluation.predict`.

Metrics, per fold: accuracy and UAR (unweighted average recall = macro recall, as
``sklearn.metrics.recall_score(average="macro")`` with its default labels: the classes
present in the truth or in the predictions; a predicted class that is absent from the
truth counts as a recall of 0, as in the original).  Reported: the mean over all folds
and repeats, and ±2·std (population std over the same fold scores).  The confusion
matrix is summed over folds and repeats, rows = true class, columns = predicted class,
classes in label-map order.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from audeep._atomic import file_lock, write_text_atomic
from audeep.errors import DataSetError, ParameterError

__all__ = [
    "EvaluationResults",
    "FoldScore",
    "append_results_row",
    "fold_scores",
    "results_row",
    "write_predictions",
]


def fold_scores(*, truth, predictions) -> tuple:
    """Accuracy and UAR of one fold.

    UAR is the mean recall over the classes present in ``truth`` or ``predictions``
    (``recall_score(average="macro")``); a predicted class absent from the truth has
    recall 0.

    Parameters
    ----------
    truth, predictions : array-like of int, shape (n,)

    Returns
    -------
    (float, float)
        Accuracy and UAR.
    """
    from sklearn.metrics import accuracy_score, recall_score

    truth = np.asarray(truth)
    predictions = np.asarray(predictions)
    if truth.size == 0:
        raise DataSetError("nothing to score: the evaluation split is empty")
    labels = np.union1d(truth, predictions)
    uar = recall_score(truth, predictions, labels=labels, average="macro", zero_division=0)
    return float(accuracy_score(truth, predictions)), float(uar)


@dataclass(frozen=True)
class FoldScore:
    """Scores of one fold of one repeat.

    Attributes
    ----------
    repeat, fold : int
        1-based repeat and fold numbers (a partitioned evaluation has one fold).
    accuracy, uar : float
    num_train, num_eval : int
        Training instances (after upsampling) and scored items (files with majority
        vote, else instances).
    """

    repeat: int
    fold: int
    accuracy: float
    uar: float
    num_train: int
    num_eval: int


@dataclass
class EvaluationResults:
    """What :func:`evaluate` found.

    Attributes
    ----------
    folds : list of FoldScore
        One entry per fold and repeat, repeats outermost.
    confusion_matrix : numpy.ndarray of int64, shape (n_classes, n_classes)
        Summed over folds and repeats; rows = true class, columns = predicted class.
    class_names : list of str
        The classes of the confusion matrix, in label-map order.
    mode : str
        ``"cross-validation"`` or ``"partitions"``.
    """

    folds: list
    confusion_matrix: np.ndarray
    class_names: list
    mode: str = "cross-validation"
    parameters: dict = field(default_factory=dict)

    def _values(self, name: str) -> np.ndarray:
        return np.array([getattr(f, name) for f in self.folds], dtype=np.float64)

    @property
    def accuracy(self) -> float:
        """Mean accuracy over folds and repeats."""
        return float(np.mean(self._values("accuracy")))

    @property
    def uar(self) -> float:
        """Mean UAR over folds and repeats."""
        return float(np.mean(self._values("uar")))

    @property
    def accuracy_2std(self) -> float:
        """2 × the (population) standard deviation of the fold accuracies."""
        return float(2 * np.std(self._values("accuracy")))

    @property
    def uar_2std(self) -> float:
        """2 × the (population) standard deviation of the fold UARs."""
        return float(2 * np.std(self._values("uar")))

    def normalised_confusion_matrix(self) -> np.ndarray:
        """The confusion matrix with every row divided by its sum (rows without instances stay 0)."""
        totals = self.confusion_matrix.sum(axis=1, keepdims=True)
        return np.divide(self.confusion_matrix, totals, out=np.zeros(self.confusion_matrix.shape),
                         where=totals > 0)

    def __repr__(self) -> str:
        return (f"<EvaluationResults {self.mode}, {len(self.folds)} folds: accuracy {self.accuracy:.4f} "
                f"± {self.accuracy_2std:.4f}, UAR {self.uar:.4f} ± {self.uar_2std:.4f}>")


def write_predictions(predictions, path: str | os.PathLike) -> Path:
    """Write the table of :func:`predict` as CSV (with a header) atomically; returns the path."""
    return write_text_atomic(Path(path), predictions.to_csv(index=False, lineterminator="\n"))


def results_row(results: EvaluationResults, **context) -> dict:
    """A flat mapping for :func:`append_results_row`: ``context`` first, then the parameters and mean scores.

    The last column, ``confusion_matrix``, is JSON: ``{"classes": [...], "counts": [[...], ...]}``
    (rows: true class, columns: predicted class, summed over folds and repeats).
    """
    import json

    row = {k: str(v) for k, v in context.items()}
    row["mode"] = results.mode
    row["parameters"] = json.dumps(results.parameters, sort_keys=True, default=str)
    row.update(folds=len(results.folds), accuracy=f"{results.accuracy:.6f}",
               accuracy_2std=f"{results.accuracy_2std:.6f}", uar=f"{results.uar:.6f}",
               uar_2std=f"{results.uar_2std:.6f}")
    row["confusion_matrix"] = json.dumps({"classes": list(results.class_names),
                                          "counts": results.confusion_matrix.tolist()})
    return row


def append_results_row(path: str | os.PathLike, row: dict) -> Path:
    """Append one CSV row to ``path`` atomically, writing a header first when the file is new.

    Several processes may append to one file at once: each read-modify-write holds the
    file's lock (:func:`audeep._atomic.file_lock`), so no row is lost.

    Parameters
    ----------
    path : path-like
        The results CSV file.
    row : dict
        Column -> value (:func:`results_row`).

    Raises
    ------
    ParameterError
        If the existing file's header has other columns than ``row``, or ``path`` is a folder.
    """
    path = Path(path)
    if path.is_dir():
        raise ParameterError(f"path {path}: is a folder, expected a CSV file name", parameter="path")
    existed = path.exists()
    with file_lock(path):
        try:
            return _append_locked(path, row)
        except BaseException:
            if not existed and path.exists() and path.stat().st_size == 0:
                path.unlink()  # the lock created it: leave nothing behind
            raise


def _append_locked(path: Path, row: dict) -> Path:
    """:func:`append_results_row` while holding the lock."""
    try:
        existing = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ParameterError(f"path {path}: is not a results CSV file (not text); use another path",
                             parameter="path") from None
    header = list(row)
    if existing.strip():
        found = next(csv.reader(io.StringIO(existing)))
        if found != header:
            raise ParameterError(f"path {path}: its columns {found} differ from the results columns {header}; "
                                 "use another path", parameter="path")
        if not existing.endswith("\n"):
            existing += "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not existing.strip():
        writer.writerow(header)
    writer.writerow([row[k] for k in header])
    return write_text_atomic(path, existing + buffer.getvalue())
