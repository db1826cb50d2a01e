"""Data-set operations: CV setup and partitions, fusion, chunk fusion, upsampling.

Functions take and return :class:`audeep.dataset.DataSet` objects (or index arrays);
the commands ``modify``, ``fuse``, ``fuse chunks`` and ``upsample`` are thin skins
over them.
"""

from __future__ import annotations

import numpy as np

from audeep.dataset import MISSING
from audeep.errors import DataSetError

__all__ = ["upsample_indices"]


def upsample_indices(*, labels, groups=None) -> np.ndarray:
    """Indices that balance classes by repeating the instances of smaller classes.

    Every class is repeated ``k = n_max // n_c`` times, where ``n_c`` counts the
    *groups* (files) of the class and ``n_max`` that of the largest class, so class
    counts afterwards differ from the largest by less than one copy of the class.
    The chunks of one group are always repeated together.

    Parameters
    ----------
    labels : array-like of int, shape (n_instances,)
        Numeric labels; -1 (missing) is an error.
    groups : array-like, shape (n_instances,), optional
        Group key per instance (e.g. the filename); default: every instance alone.

    Returns
    -------
    numpy.ndarray of int64, shape (n_upsampled,)
        Instance indices: first every instance once in the original order, then the
        extra copies (copy 1 of every repeated instance, then copy 2, ...).

    Raises
    ------
    DataSetError
        If an instance has no label.
    """
    labels = np.asarray(labels)
    if labels.size and (labels == MISSING).any():
        raise DataSetError(f"{int((labels == MISSING).sum())} instances have no label: upsampling needs labels")
    if groups is None:
        groups = np.arange(labels.size)
    _, group_ids = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    classes = np.unique(labels)
    counts = {c: np.unique(group_ids[labels == c]).size for c in classes}
    if not counts:
        return np.zeros(0, np.int64)
    largest = max(counts.values())
    factors = np.zeros(labels.size, np.int64)
    for c, n in counts.items():
        factors[labels == c] = largest // n
    parts = [np.arange(labels.size)]
    for copy in range(1, int(factors.max(initial=1))):
        parts.append(np.flatnonzero(factors > copy))
    return np.concatenate(parts).astype(np.int64)
