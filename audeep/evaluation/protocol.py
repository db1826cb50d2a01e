"""The evaluation protocol: splits, cross-validation or partitions, majority vote, prediction.

:func:`evaluation_splits` gives the (training, evaluation) rows of every fold: one split
per cross-validation fold (train on the TRAIN rows, test on the VALID rows), or one
split of partitions.  :func:`evaluate` runs a learner per fold (and repeat), with
standardisation fitted on the training split only, optional upsampling and
:func:`majority_vote` over the chunks of a file, and scores it
(:mod:`audeep.evaluation.results`).  :func:`predict` trains on one data set and labels the
files of another.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from audeep._progress import Progress
from audeep.dataset import MISSING, DataSet, Partition, check_finite, file_groups, upsample_indices, validate
from audeep.dataset.coerce import accepts_paths
from audeep.errors import DataSetError, ParameterError
from audeep.evaluation.inductive import fold_datasets
from audeep.evaluation.learners import resolve_learner
from audeep.evaluation.results import EvaluationResults, FoldScore, fold_scores

__all__ = ["evaluate", "evaluation_splits", "majority_vote", "predict"]

LOG = logging.getLogger(__name__)


def majority_vote(*, predictions, groups) -> tuple:
    """One label per group (file) from the labels of its instances (chunks).

    The most frequent label wins; a tie goes to the smallest label.

    Parameters
    ----------
    predictions : array-like of int, shape (n_instances,)
    groups : array-like, shape (n_instances,)
        Group key per instance (e.g. the filename).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The group keys in order of first appearance, shape (n_groups,), and their
        voted labels, shape (n_groups,).
    """
    predictions = np.asarray(predictions)
    groups = np.asarray(groups, dtype=object)
    if predictions.shape != groups.shape:
        raise ParameterError(f"{predictions.shape[0]} predictions for {groups.shape[0]} group keys",
                             parameter=("predictions", "groups"))
    inverse = file_groups(groups)
    _, first = np.unique(inverse, return_index=True)  # the first instance of every group
    values, value_ids = np.unique(predictions, return_inverse=True)
    counts = np.zeros((first.size, values.size), np.int64)
    np.add.at(counts, (inverse, value_ids), 1)
    voted = values[np.argmax(counts, axis=1)]  # argmax takes the first maximum: the smallest label
    order = np.argsort(first, kind="stable")
    return groups[first[order]], voted[order]


_vote = majority_vote  # for functions whose ``majority_vote`` parameter hides the function


def _vectors(dataset: DataSet, *, what: str = "the data set") -> np.ndarray:
    """The features as a float32 matrix (n_instances, n_features), or a clear error.

    NaN or infinite features are an error naming the file and how many instances have them;
    a failed integrity check (:func:`audeep.dataset.validate`) is logged as a warning.
    """
    _check_vectors(dataset, what=what)
    features = dataset.load_features()
    check_finite(features, dataset=dataset)
    source = dataset.path or what
    violations = validate(dataset)
    if violations:
        LOG.warning("%s fails the integrity check%s %s (%s); the scores may be meaningless (see `audeep validate`)",
                    source, "s" if len(violations) > 1 else "", ", ".join(v.constraint for v in violations),
                    violations[0].message)
    return features


def _check_vectors(dataset: DataSet, *, what: str = "the data set") -> None:
    if len(dataset.feature_shape) != 1:
        shape = "x".join(str(s) for s in dataset.feature_shape)
        dims = ", ".join(dataset.feature_dims)
        raise DataSetError(
            f"{what} has {shape} features per instance ({dims}): the classifiers need 1-D feature vectors; "
            "use `audeep fuse chunks` on chunked features, or features from `generate` / an f-RAE export"
        )


def _labels(dataset: DataSet, *, what: str = "the data set") -> np.ndarray:
    labels = dataset.labels_numeric
    if labels is None or (labels == MISSING).all():
        raise DataSetError(f"{what} has no labels: training and scoring need labelled instances")
    return labels


def _require_labels(labels: np.ndarray, indices: np.ndarray, split: str) -> None:
    missing = int((labels[indices] == MISSING).sum())
    if missing:
        raise DataSetError(f"{missing} of the {indices.size} instances of the {split} have no label")


def _classes(dataset: DataSet) -> tuple:
    """Label ids and class names in label-map order."""
    label_map = dataset.label_map
    if label_map:
        pairs = sorted(label_map.items(), key=lambda kv: (kv[1], kv[0]))
        return np.array([v for _, v in pairs], np.int64), [k for k, _ in pairs]
    labels = dataset.labels_numeric
    ids = np.unique(labels[labels != MISSING])
    nominal = dataset.labels_nominal
    names = []
    for i in ids:
        name = None
        if nominal is not None:
            found = nominal[labels == i]
            name = next((n for n in found if n is not None), None)
        names.append(str(i) if name is None else str(name))
    return ids, names


def _partition_rows(dataset: DataSet, partitions: Sequence, parameter: str) -> np.ndarray:
    """The rows of ``partitions``; ``parameter`` (the caller's parameter name) is named in errors."""
    parts = dataset.partitions
    if parts is None:
        raise DataSetError(f"{parameter} given, but the data set has no partition information "
                           "(add one with audeep.add_partitioning or `audeep modify`)", parameter=parameter)
    present = sorted({int(p) for p in parts if p != MISSING})
    present_names = ", ".join(Partition(p).name.lower() for p in present) or "none"
    for p in partitions:
        if int(Partition.parse(p)) not in present:
            raise DataSetError(f"{parameter}: partition {Partition.parse(p).name.lower()!r} has no instances "
                               f"(present: {present_names})", parameter=parameter)
    return dataset.partition_indices(partitions)


def evaluation_splits(dataset: DataSet, *, cross_validate: bool = False, train_partitions=None,
                      eval_partitions=None) -> list:
    """The (training, evaluation) instance indices of every fold of an evaluation.

    Parameters
    ----------
    dataset : DataSet
    cross_validate : bool
        One split per fold of ``cv_folds``: TRAIN rows for training, VALID rows for
        evaluation.
    train_partitions, eval_partitions : sequence of str or Partition, optional
        One split: the union of the training partitions, the union of the evaluation
        partitions.  Exclusive with ``cross_validate``; both or neither.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        Instance indices (int64) of the training and evaluation split, per fold.

    Raises
    ------
    ParameterError
        On a wrong combination of modes.
    DataSetError
        Without folds or partitions, or when a split is empty.
    """
    has_partitions = bool(train_partitions) or bool(eval_partitions)
    modes = ("cross_validate", "train_partitions", "eval_partitions")
    if cross_validate and has_partitions:
        raise ParameterError("cross_validate and train_partitions/eval_partitions exclude each other: "
                             "choose one evaluation mode", parameter=modes)
    if not cross_validate and not has_partitions:
        raise ParameterError("no evaluation mode: give cross_validate, or train_partitions and eval_partitions",
                             parameter=modes)
    if cross_validate:
        if not dataset.has_cv_info:
            raise DataSetError("cross_validate: the data set has no cross-validation folds "
                               "(add them with audeep.add_cv_setup or `audeep modify`)", parameter="cross_validate")
        splits = [dataset.fold_indices(k) for k in range(dataset.num_folds)]
        names = [f"fold {k + 1}" for k in range(dataset.num_folds)]
    else:
        if not train_partitions or not eval_partitions:
            missing = "eval_partitions" if train_partitions else "train_partitions"
            raise ParameterError(f"{missing} is missing: partitioned evaluation needs both train_partitions and "
                                 "eval_partitions", parameter=modes[1:])
        splits = [(_partition_rows(dataset, train_partitions, "train_partitions"),
                   _partition_rows(dataset, eval_partitions, "eval_partitions"))]
        names = ["the partitions"]
    for name, (train_idx, eval_idx) in zip(names, splits):
        if train_idx.size == 0:
            raise DataSetError(f"{name}: the training split is empty")
        if eval_idx.size == 0:
            raise DataSetError(f"{name}: the evaluation split is empty")
    return [(np.asarray(t, np.int64), np.asarray(e, np.int64)) for t, e in splits]


def _fit_predict(learner, seed: int | None, x_train, y_train, x_eval) -> np.ndarray:
    """Standardise with training statistics, fit a fresh copy of ``learner``, predict."""
    model = clone(learner)
    if seed is not None and "random_state" in model.get_params():
        model.set_params(random_state=seed)
    pipeline = make_pipeline(StandardScaler(), model)
    pipeline.fit(x_train, y_train)
    return pipeline.predict(x_eval)


def _training_rows(train_idx, labels, filenames, upsample: bool) -> np.ndarray:
    if not upsample:
        return train_idx
    return train_idx[upsample_indices(labels=labels[train_idx], groups=filenames[train_idx])]


@accepts_paths("dataset")
def evaluate(dataset: "DataSet | Sequence[DataSet]", *, learner=None, cross_validate: bool = False,
             train_partitions=None, eval_partitions=None, repeat: int = 1, upsample: bool = False,
             majority_vote: bool = False, seed: int | None = 42) -> EvaluationResults:
    """Score a learner on a data set of 1-D features.

    Per fold (and repeat): optionally upsample the training split, fit a
    :class:`~sklearn.preprocessing.StandardScaler` on it, train a fresh copy of the
    learner, predict the evaluation split, optionally vote per file, and score.

    Parameters
    ----------
    dataset : DataSet or sequence of DataSet
        Labelled data set with features of shape (n_instances, n_features); or, with
        ``cross_validate``, one per fold holding the same instances (the inductive protocol:
        fold ``k`` is trained and scored on the ``k``-th, see :mod:`audeep.evaluation.inductive`).
    learner : estimator, "mlp" or "svm", optional
        A scikit-learn classifier (cloned per fold; its ``random_state``, if any, is set
        from ``seed``); default :class:`MLPClassifier` with default parameters.
    cross_validate : bool
        Evaluate on every cross-validation fold.
    train_partitions, eval_partitions : sequence of str, optional
        Partitioned evaluation instead (both required, exclusive with ``cross_validate``).
    repeat : int, default 1
        Run everything this many times (with seeds ``seed + i``).
    upsample : bool
        Balance the classes of every training split (:func:`audeep.dataset.upsample_indices`,
        chunks of a file together).
    majority_vote : bool
        Score one prediction per file, the most frequent over its chunks (ties: the
        smallest label id); otherwise every instance (chunk) is scored.
    seed : int or None, default 42
        Base seed of the learners.

    Returns
    -------
    EvaluationResults

    Raises
    ------
    ParameterError, DataSetError
        On bad modes, missing labels, folds or partitions, non-1-D features or empty splits.
    """
    if not isinstance(repeat, (int, np.integer)) or repeat < 1:
        raise ParameterError(f"repeat={repeat!r}: expected a positive integer", parameter="repeat")
    learner = resolve_learner(learner)
    datasets = fold_datasets(dataset, cross_validate=cross_validate)
    dataset = datasets[0]
    for ds in datasets:  # one per fold: each named
        _check_vectors(ds, what=str(ds.path or "a data set") if len(datasets) > 1 else "the data set")
    splits, labels = _labelled_splits(dataset, cross_validate=cross_validate, train_partitions=train_partitions,
                                      eval_partitions=eval_partitions)
    features = [_vectors(ds) for ds in datasets]  # fold k uses features[k], or the one
    filenames = dataset.filenames
    label_ids, class_names = _classes(dataset)
    _warn_unseen_classes(splits, labels, label_ids, class_names)
    matrix = np.zeros((label_ids.size, label_ids.size), np.int64)
    scores = []
    bar = Progress(repeat * len(splits), desc="evaluate", unit="fold")
    for r in range(repeat):
        for k, (train_idx, eval_idx) in enumerate(splits):
            rows = _training_rows(train_idx, labels, filenames, upsample)
            fold_seed = None if seed is None else int(seed) + r * len(splits) + k
            x = features[k if len(features) > 1 else 0]
            pred = _fit_predict(learner, fold_seed, x[rows], labels[rows], x[eval_idx])
            accuracy, uar, num_eval = _score_fold(labels[eval_idx], pred, filenames[eval_idx], matrix=matrix,
                                                  label_ids=label_ids, vote=majority_vote)
            scores.append(FoldScore(repeat=r + 1, fold=k + 1, accuracy=accuracy, uar=uar,
                                    num_train=int(rows.size), num_eval=num_eval))
            LOG.info("repeat %d fold %d: accuracy %.4f, UAR %.4f", r + 1, k + 1, accuracy, uar)
            bar.update(1)
    bar.close()
    return EvaluationResults(
        folds=scores, confusion_matrix=matrix, class_names=class_names,
        mode="cross-validation" if cross_validate else "partitions",
        parameters={"learner": type(learner).__name__, **learner.get_params(deep=False), "repeat": repeat,
                    "upsample": upsample, "majority_vote": majority_vote, "seed": seed,
                    **({"inputs_per_fold": len(datasets)} if len(datasets) > 1 else {})},
    )


def _labelled_splits(dataset: DataSet, **modes) -> tuple:
    """The splits of :func:`evaluation_splits` and the numeric labels, every split row labelled."""
    splits = evaluation_splits(dataset, **modes)
    labels = _labels(dataset)
    for k, (train_idx, eval_idx) in enumerate(splits):
        _require_labels(labels, train_idx, f"training split of fold {k + 1}")
        _require_labels(labels, eval_idx, f"evaluation split of fold {k + 1}")
    return splits, labels


def _warn_unseen_classes(splits: list, labels: np.ndarray, label_ids: np.ndarray, class_names: list) -> None:
    """Log the classes of an evaluation split that its training split lacks."""
    for k, (train_idx, eval_idx) in enumerate(splits):
        unseen = np.setdiff1d(labels[eval_idx], labels[train_idx])
        if unseen.size:
            names = [class_names[int(np.flatnonzero(label_ids == u)[0])] if u in label_ids else str(u)
                     for u in unseen]
            LOG.warning("fold %d: the evaluation split holds classes absent from training (%s); "
                        "they cannot be predicted but are still scored", k + 1, ", ".join(names))


def _score_fold(truth: np.ndarray, pred: np.ndarray, filenames: np.ndarray, *, matrix: np.ndarray,
                label_ids: np.ndarray, vote: bool) -> tuple:
    """Accuracy, UAR and the number of scored items of one fold; adds its confusion to ``matrix``.

    Parameters
    ----------
    truth, pred, filenames : numpy.ndarray, shape (n_eval,)
        True and predicted label ids and the file of every evaluated instance.
    matrix : numpy.ndarray of int64, shape (n_classes, n_classes)
        The running confusion matrix (updated in place).
    label_ids : numpy.ndarray, shape (n_classes,)
    vote : bool
        Score one label per file (:func:`majority_vote`) instead of every instance.
    """
    from sklearn.metrics import confusion_matrix

    if vote:
        _, truth = majority_vote(predictions=truth, groups=filenames)
        _, pred = majority_vote(predictions=pred, groups=filenames)
    accuracy, uar = fold_scores(truth=truth, predictions=pred)
    matrix += confusion_matrix(truth, pred, labels=label_ids)
    return accuracy, uar, int(truth.size)


@accepts_paths("train_dataset", "eval_dataset")
def predict(train_dataset: DataSet, eval_dataset: DataSet, *, learner=None, train_partitions=None,
            eval_partitions=None, upsample: bool = False, majority_vote: bool = False,
            seed: int | None = 42):
    """Train on a labelled data set and predict the labels of another.

    Labels in ``eval_dataset`` are ignored.

    Parameters
    ----------
    train_dataset, eval_dataset : DataSet
        1-D features of the same width.
    learner : estimator, "mlp" or "svm", optional
        As in :func:`evaluate`.
    train_partitions, eval_partitions : sequence of str, optional
        Use only these partitions of the respective data set (default: all instances).
    upsample : bool
        Balance the classes of the training data.
    majority_vote : bool
        One prediction per file (the most frequent over its chunks; ties: the smallest
        label id).
    seed : int or None, default 42

    Returns
    -------
    pandas.DataFrame
        With majority vote, or when every evaluated file has one instance: one row per
        file, columns ``filename, prediction``.  Otherwise one row per instance, columns
        ``filename, chunk_nr, prediction``.  Rows in data-set order (files in order of
        first appearance); predictions are nominal labels (class names of the training
        set).

    Raises
    ------
    DataSetError
        On unlabelled training data, different feature widths, non-1-D features, or
        missing / empty partitions.
    """
    import pandas as pd

    learner = resolve_learner(learner)
    train_rows = (np.arange(train_dataset.num_instances) if not train_partitions
                  else _partition_rows(train_dataset, train_partitions, "train_partitions"))
    eval_rows = (np.arange(eval_dataset.num_instances) if not eval_partitions
                 else _partition_rows(eval_dataset, eval_partitions, "eval_partitions"))
    if train_rows.size == 0:
        raise DataSetError("the training data set is empty")
    if eval_rows.size == 0:
        raise DataSetError("the evaluation data set is empty")
    labels = _labels(train_dataset, what="the training data set")
    _require_labels(labels, train_rows, "training data")
    x_train = _vectors(train_dataset, what="the training data set")
    x_eval = _vectors(eval_dataset, what="the evaluation data set")
    if x_train.shape[1] != x_eval.shape[1]:
        raise DataSetError(f"the training data has {x_train.shape[1]} features per instance, the evaluation "
                           f"data {x_eval.shape[1]}: both must come from the same feature extraction")
    rows = _training_rows(train_rows, labels, train_dataset.filenames, upsample)
    pred = _fit_predict(learner, seed, x_train[rows], labels[rows], x_eval[eval_rows])
    filenames = eval_dataset.filenames[eval_rows]
    label_ids, class_names = _classes(train_dataset)
    names = dict(zip(label_ids.tolist(), class_names))
    if majority_vote or np.unique(filenames.astype(str)).size == filenames.size:
        files, pred = _vote(predictions=pred, groups=filenames)
        return pd.DataFrame({"filename": files.astype(str), "prediction": [names[int(p)] for p in pred]})
    return pd.DataFrame({"filename": filenames.astype(str), "chunk_nr": eval_dataset.chunk_nrs[eval_rows],
                         "prediction": [names[int(p)] for p in pred]})

