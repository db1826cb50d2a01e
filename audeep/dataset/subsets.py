"""Subsets and correspondences of data sets for the inductive protocol.

:func:`fold_training_set` is the label-free row selection of ``train --fold K``: the
instances that fold ``K`` of ``cv_folds`` marks TRAIN (an autoencoder trained on them has
never seen that fold's VALID rows).  :func:`check_same_instances` checks that several
feature files (one per fold, each from its own model) describe the same instances, so that
fold ``k`` can be scored on file ``k``.

Folds are numbered from 1 here, as the results tables and ``inspect`` show them.
"""

from __future__ import annotations

import numpy as np

from audeep.errors import DataSetError, ParameterError

__all__ = ["check_same_instances", "fold_training_set"]


def fold_training_set(dataset, *, fold: int):
    """The instances of ``dataset`` that cross-validation fold ``fold`` marks TRAIN.

    Only the fold assignment (``cv_folds``) is used, never the labels.

    Parameters
    ----------
    dataset : DataSet
    fold : int
        1-based fold number, 1 .. ``dataset.num_folds``.

    Returns
    -------
    DataSet
        A lazy view of the TRAIN rows, in file order, shape (n_train, ...).

    Raises
    ------
    DataSetError
        If the data set has no folds, or fold ``fold`` has no TRAIN rows.
    ParameterError
        If ``fold`` is not in 1 .. ``num_folds``.
    """
    name = dataset.path or "the data set"
    if not dataset.has_cv_info:
        raise DataSetError(f"fold {fold}: {name} has no cross-validation folds (add them with "
                           "audeep.add_cv_setup or `audeep modify`)", parameter="fold")
    if isinstance(fold, bool) or not isinstance(fold, (int, np.integer)) or not 1 <= fold <= dataset.num_folds:
        raise ParameterError(f"fold {fold!r}: {name} has {dataset.num_folds} folds; expected an integer in "
                             f"1..{dataset.num_folds}", parameter="fold")
    train, _ = dataset.fold_indices(int(fold) - 1)
    if train.size == 0:
        raise DataSetError(f"fold {fold}: {name} has no instances in the training split of this fold",
                           parameter="fold")
    return dataset.select(train)


def _first_difference(a: np.ndarray, b: np.ndarray) -> "int | None":
    """The first row where two equally long arrays differ (rows compared whole), or None."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return 0
    differ = (a != b).reshape(a.shape[0], -1).any(axis=1) if a.size else np.zeros(a.shape[0], bool)
    rows = np.flatnonzero(differ)
    return int(rows[0]) if rows.size else None


def check_same_instances(datasets, *, parameter: str = "dataset") -> None:
    """Check that data sets hold the same instances: filenames, chunks, labels and folds, in one order.

    Parameters
    ----------
    datasets : sequence of DataSet
        Compared with the first one.
    parameter : str
        The caller's parameter name, named in errors.

    Raises
    ------
    DataSetError
        Naming the first data set that differs from the first one, and how.
    """
    first = datasets[0]
    for i, other in enumerate(datasets[1:], start=1):
        name = f"{parameter} {other.path or 'a data set'}: data set {i + 1} of {len(datasets)}"
        reference = f"the first ({first.path or 'a data set'})"
        if other.num_instances != first.num_instances:
            raise DataSetError(f"{name} has {other.num_instances} instances, {reference} {first.num_instances}: "
                               "the files must hold the same instances", parameter=parameter)
        for what, get in (("filename", lambda d: d.filenames.astype(str)), ("chunk number", lambda d: d.chunk_nrs),
                          ("label", lambda d: d.labels_numeric), ("cross-validation folds", lambda d: d.cv_folds)):
            mine, theirs = get(other), get(first)
            if (mine is None) != (theirs is None):
                raise DataSetError(f"{name} has {what} {'missing' if mine is None else 'present'}, unlike "
                                   f"{reference}", parameter=parameter)
            row = None if mine is None else _first_difference(mine, theirs)
            if row is not None:
                detail = (f"shape {np.shape(mine)} vs {np.shape(theirs)}" if np.shape(mine) != np.shape(theirs)
                          else f"instance {row}: {mine[row]!r} vs {theirs[row]!r}")
                raise DataSetError(f"{name} differs from {reference} in its {what} ({detail}); the files must "
                                   "hold the same instances in the same order", parameter=parameter)
