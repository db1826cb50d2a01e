"""The inductive protocol of :func:`audeep.evaluation.evaluate`: one features file per fold.

In the transductive protocol (the paper's) one autoencoder, trained on every clip, gives one
features file that all folds are scored on.  In the inductive protocol the autoencoder of
fold ``k`` was trained only on the rows that fold ``k`` marks TRAIN (``train --fold k``), so
fold ``k`` is trained and scored on the features of model ``k``: file ``k``.  The files must
hold the same instances (filenames, chunks, labels, folds) in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

from audeep.dataset.subsets import check_same_instances
from audeep.errors import DataSetError, ParameterError

__all__ = ["fold_datasets"]


def fold_datasets(dataset, *, cross_validate: bool) -> list:
    """The data set of every fold: ``[dataset]`` for one, else one per fold, checked.

    Parameters
    ----------
    dataset : DataSet or sequence of DataSet
        One data set (all folds are scored on it), or one per cross-validation fold (fold
        ``k`` is scored on the ``k``-th), each of shape (n_instances, n_features).
    cross_validate : bool
        Several data sets need cross-validation.

    Returns
    -------
    list of DataSet
        One element, or ``num_folds`` elements in fold order.

    Raises
    ------
    ParameterError
        For several data sets without ``cross_validate``, or as many as not the folds.
    DataSetError
        For data sets without folds, or that do not hold the same instances.
    """
    datasets = list(dataset) if isinstance(dataset, Sequence) and not isinstance(dataset, str) else [dataset]
    if not datasets:
        raise ParameterError("dataset: an empty sequence; expected a data set or one per fold", parameter="dataset")
    if len(datasets) == 1:
        return datasets
    if not cross_validate:
        raise ParameterError(f"dataset: {len(datasets)} data sets (one per fold) need cross_validate",
                             parameter=("dataset", "cross_validate"))
    folds = datasets[0].num_folds
    if folds == 0:
        raise DataSetError(f"dataset[0] ({datasets[0].path or 'a data set'}) has no cross-validation folds: "
                           "several data sets are scored one per fold", parameter="dataset")
    if len(datasets) != folds:
        raise ParameterError(f"dataset: {len(datasets)} data sets for {folds} cross-validation folds; expected "
                             f"one data set per fold ({folds}) or a single one", parameter="dataset")
    check_same_instances(datasets, parameter="dataset")
    return datasets
