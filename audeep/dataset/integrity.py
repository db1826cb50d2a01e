"""Integrity of a data set: the constraint checks, the finite-features check and the summary.

- :func:`validate` checks the integrity constraints of :data:`CONSTRAINTS` and returns
  the :class:`Violation` of each one that fails (``DataSet.validate()`` calls it);
- :func:`check_finite` raises :class:`~audeep.errors.DataSetError` naming the data set
  and the files of instances with NaN or infinite features (every reader of features
  that needs finite values calls it);
- :func:`describe` is the summary ``audeep inspect netcdf`` prints, as a dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from audeep.dataset.schema import MISSING, Partition, file_groups, rows_per_chunk
from audeep.errors import DataSetError, ParameterError

if TYPE_CHECKING:
    from audeep.dataset import DataSet

__all__ = ["CONSTRAINTS", "Violation", "check_finite", "describe", "validate"]

#: At most this many file names are named in a :func:`check_finite` error.
#: file names shown in a message (the rest are counted)
SHOWN_FILES = 5


@dataclass(frozen=True)
class Violation:
    """One violated integrity constraint of a data set.

    Attributes
    ----------
    constraint : str
        Short name of the constraint (e.g. ``"chunk-nominal-labels"``).
    message : str
        What is wrong, in one sentence.
    filenames : tuple of str
        The files (instances' ``filename``) that violate it, possibly empty.
    """

    constraint: str
    message: str
    filenames: tuple = ()


#: The integrity constraints checked by :func:`validate`, in order.
CONSTRAINTS = {
    "chunk-nominal-labels": "chunks of one file share their nominal label",
    "chunk-numeric-labels": "chunks of one file share their numeric label",
    "chunk-cv-folds": "chunks of one file share their cross-validation folds",
    "chunk-partition": "chunks of one file share their partition",
    "label-map": "labels agree with the label map",
    "chunk-count": "every file has the same number of chunks",
    "chunk-numbers": "the chunk numbers of every file are exactly 0..n-1",
    "readable-features": "the features of every instance can be read (the file is not damaged)",
    "finite-features": "features are finite (no NaN or infinity)",
}


# ----------------------------------------------------------------------------------
# finite features
# ----------------------------------------------------------------------------------

def nonfinite_rows(values) -> np.ndarray:
    """Positions of the rows of ``values`` (shape (n, ...)) that hold NaN or infinity."""
    values = np.asarray(values)
    if values.size == 0:
        return np.zeros(0, np.int64)
    return np.flatnonzero(~np.isfinite(values.reshape(values.shape[0], -1)).all(axis=1))


def check_finite(values, *, dataset: DataSet | None = None, rows=None) -> None:
    """Raise if any instance of ``values`` has NaN or infinite features.

    Parameters
    ----------
    values : array-like, shape (n_rows, ...)
        Features of ``n_rows`` instances.
    dataset : DataSet, optional
        The data set they were read from, to name its file and the instances' files.
    rows : array-like of int, shape (n_rows,), optional
        The instance indices (in ``dataset``) of the rows of ``values``; default
        0..n_rows-1.

    Raises
    ------
    DataSetError
        Naming the data set's file, the first offending instance (index, file, chunk),
        how many instances of ``values`` are affected and up to 5 of their files.

    Examples
    --------
    >>> check_finite(np.array([[0.0, 1.0], [np.nan, 2.0]]))
    Traceback (most recent call last):
    ...
    audeep.errors.DataSetError: data set: instance 1 has NaN or infinite features (1 of 2 instances)
    """
    bad = nonfinite_rows(values)
    if not bad.size:
        return
    # of the rows checked (with ``rows``: a block of the data set, not all of it)
    count = f"{bad.size} of {int(np.asarray(values).shape[0])} instances" if rows is None else \
        f"{bad.size} of the {int(np.asarray(values).shape[0])} instances checked"
    index = bad if rows is None else np.asarray(rows, dtype=np.int64)[bad]
    first = int(index[0])
    source = str(dataset.path) if dataset is not None and dataset.path is not None else "data set"
    if dataset is None:
        raise DataSetError(f"{source}: instance {first} has NaN or infinite features ({count})")
    names = list(dict.fromkeys(str(n) for n in dataset.filenames[index]))
    shown = ", ".join(repr(n) for n in names[:SHOWN_FILES]) + (", ..." if len(names) > SHOWN_FILES else "")
    raise DataSetError(f"{source}: instance {first} ({str(dataset.filenames[first])!r}, chunk "
                       f"{int(dataset.chunk_nrs[first])}) has NaN or infinite features ({count}, in files "
                       f"{shown})")


# ----------------------------------------------------------------------------------
# validate
# ----------------------------------------------------------------------------------

def _file_names(groups: np.ndarray, filenames) -> np.ndarray:
    """The file name of every group id, shape (n_files,)."""
    names = np.empty(int(groups.max()) + 1 if groups.size else 0, dtype=object)
    names[groups] = [str(n) for n in filenames]
    return names


def _groups_not_sharing(groups: np.ndarray, values) -> np.ndarray:
    """Group ids whose instances do not all share one value (``values`` hashable, shape (n,))."""
    if not groups.size:
        return np.zeros(0, np.int64)
    values = np.asarray(values) if not isinstance(values, list) else np.asarray(values, dtype=object)
    if values.dtype.kind not in "iub":  # str, None, bytes: compare their representations
        values = np.asarray([repr(v) for v in values], dtype=object).astype(str)
    _, codes = np.unique(values, return_inverse=True)
    pairs = np.unique(np.stack([groups, codes.reshape(-1)], axis=1), axis=0)
    return np.flatnonzero(np.bincount(pairs[:, 0], minlength=int(groups.max()) + 1) > 1)


def _shared_violations(dataset: DataSet, groups, names) -> list:
    """Violations of the constraints that the chunks of one file share labels, folds and partition."""
    checks = [("chunk-nominal-labels", "nominal labels", dataset.labels_nominal),
              ("chunk-numeric-labels", "numeric labels", dataset.labels_numeric),
              ("chunk-cv-folds", "cross-validation folds",
               [row.tobytes() for row in dataset.cv_folds] if dataset.num_folds else None),
              ("chunk-partition", "partitions", dataset.partitions)]
    violations = []
    for key, what, values in checks:
        if values is None:
            continue
        bad = tuple(names[_groups_not_sharing(groups, values)])
        if bad:
            violations.append(Violation(key, f"{len(bad)} files have chunks with different {what}", bad))
    return violations


def _label_map_violations(dataset: DataSet) -> list:
    label_map, nominal, numeric = dataset.label_map, dataset.labels_nominal, dataset.labels_numeric
    if label_map is None or nominal is None:
        return []
    bad = set()
    for i, name in enumerate(nominal):
        num = numeric[i] if numeric is not None else MISSING
        if name is None:
            if num != MISSING and num not in label_map.values():
                bad.add(dataset.filenames[i])
        elif name not in label_map or (numeric is not None and label_map[name] != num):
            bad.add(dataset.filenames[i])
    if not bad:
        return []
    return [Violation("label-map", f"{len(bad)} files have labels that disagree with the label map",
                      tuple(sorted(bad)))]


def _chunk_violations(dataset: DataSet, groups, names) -> list:
    """Violations of: every file has the same number of chunks, numbered exactly 0..n-1."""
    if not groups.size:
        return []
    violations = []
    counts = np.bincount(groups)
    values, frequency = np.unique(counts, return_counts=True)
    if values.size > 1:
        common = int(values[np.argmax(frequency)])  # the most common count (the smallest of a tie)
        bad = tuple(names[counts != common])
        violations.append(Violation(
            "chunk-count",
            f"files have different numbers of chunks ({values.tolist()}); "
            f"{len(bad)} differ from the most common count {common}", bad))
    order = np.lexsort((dataset.chunk_nrs, groups))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.arange(groups.size) - starts[groups[order]]
    wrong = np.unique(groups[order][dataset.chunk_nrs[order] != position])
    if wrong.size:
        bad = tuple(names[wrong])
        violations.append(Violation("chunk-numbers", f"{len(bad)} files have chunk numbers other than 0..n-1", bad))
    return violations


def _feature_violations(dataset: DataSet) -> list:
    """Violations of: the features can be read, and they are finite (read slab by slab)."""
    bad_rows, damaged, first_error = [], [], None
    step = rows_per_chunk(dataset.feature_shape)
    for start in range(0, dataset.num_instances, step):
        rows = np.arange(start, min(start + step, dataset.num_instances))
        try:
            block = dataset.load_features(rows)
        except DataSetError as exc:
            damaged.extend(rows.tolist())
            first_error = first_error or exc
            continue
        bad_rows.extend(rows[nonfinite_rows(block)].tolist())
    violations = []
    if damaged:
        files = tuple(sorted({dataset.filenames[i] for i in damaged}))
        violations.append(Violation("readable-features", f"the features of {len(damaged)} instances cannot be "
                                    f"read ({first_error})", files))
    if bad_rows:
        bad = tuple(sorted({dataset.filenames[i] for i in bad_rows}))
        violations.append(Violation("finite-features", f"{len(bad_rows)} instances have NaN or infinite features",
                                    bad))
    return violations


def validate(dataset: DataSet) -> list:
    """Check the integrity constraints (:data:`CONSTRAINTS`) of a data set.

    Features are read in slabs, so a data set larger than memory can be checked.

    Parameters
    ----------
    dataset : DataSet

    Returns
    -------
    list of Violation
        Every violated constraint with the offending file names (sorted), in the order of
        :data:`CONSTRAINTS`; empty if the data set is valid.
    """
    groups = file_groups(dataset.filenames)
    names = _file_names(groups, dataset.filenames)
    return (_shared_violations(dataset, groups, names) + _label_map_violations(dataset)
            + _chunk_violations(dataset, groups, names) + _feature_violations(dataset))


# ----------------------------------------------------------------------------------
# describe
# ----------------------------------------------------------------------------------

def _partition_counts(dataset: DataSet) -> str:
    parts = dataset.partitions
    if parts is None:
        return "none"
    counts = [f"{p.name.lower()}={int((parts == p).sum())}" for p in Partition if (parts == p).any()]
    missing = int((parts == MISSING).sum())
    if missing:
        counts.append(f"missing={missing}")
    return ", ".join(counts)


def _label_state(dataset: DataSet) -> str:
    labels = dataset.labels_numeric
    if labels is None:
        return "none"
    missing = int((labels == MISSING).sum())
    return "complete" if missing == 0 else f"partial ({missing} missing)"


def _summary(dataset: DataSet) -> dict:
    per_file = np.bincount(file_groups(dataset.filenames))
    info = {
        "file": str(dataset.path) if dataset.path else "",
        "instances": dataset.num_instances,
        "files": int(per_file.size),
        "chunks per file": ", ".join(str(c) for c in np.unique(per_file)) or "0",
        "feature dims": ", ".join(f"{d}={s}" for d, s in zip(dataset.feature_dims, dataset.feature_shape)),
        "folds": dataset.num_folds,
        "partitions": _partition_counts(dataset),
        "labels": _label_state(dataset),
        "classes": ", ".join(dataset.class_names),
        "variable length": dataset.lengths is not None,
    }
    for key in ("audeep_version", "command", "parameters", "created"):  # parameters: JSON, e.g. the preprocessing
        if key in dataset.attrs:
            info[key.replace("_", " ")] = dataset.attrs[key]
    return info


def _fold_details(dataset: DataSet) -> dict:
    """Train/valid instance counts per fold and class."""
    details = {}
    nominal = dataset.labels_nominal
    for fold in range(dataset.num_folds):
        for split, idx in zip(("train", "valid"), dataset.fold_indices(fold)):
            text = str(idx.size)
            if nominal is not None:
                names, counts = np.unique([str(n) for n in nominal[idx]], return_counts=True)
                text += " (" + ", ".join(f"{n}: {c}" for n, c in zip(names, counts)) + ")"
            details[f"fold {fold + 1} {split}"] = text
    return details


def _instance_details(dataset: DataSet, index: int) -> dict:
    """Metadata and feature statistics of one instance."""
    if not 0 <= index < dataset.num_instances:
        raise ParameterError(f"instance {index}: the data set has {dataset.num_instances} instances "
                             f"(0..{dataset.num_instances - 1})", parameter="instance")
    feats = dataset.load_features([index])[0]
    parts = dataset.partitions
    info = {
        "instance": index,
        "filename": dataset.filenames[index],
        "chunk nr": int(dataset.chunk_nrs[index]),
        "label nominal": None if dataset.labels_nominal is None else dataset.labels_nominal[index],
        "label numeric": None if dataset.labels_numeric is None else int(dataset.labels_numeric[index]),
        "partition": None if parts is None or parts[index] == MISSING else Partition(int(parts[index])).name.lower(),
        "cv folds": " ".join("valid" if v else "train" for v in dataset.cv_folds[index]),
        "feature shape": "x".join(str(s) for s in feats.shape),
        "feature min": float(np.min(feats)) if feats.size else None,
        "feature max": float(np.max(feats)) if feats.size else None,
        "feature mean": float(np.mean(feats)) if feats.size else None,
    }
    if dataset.lengths is not None:
        info["length"] = int(dataset.lengths[index])
    return info


def describe(dataset: DataSet, *, detailed_folds: bool = False, instance: int | None = None) -> dict:
    """Summary of a data set: what ``audeep inspect netcdf`` prints.

    Parameters
    ----------
    dataset : DataSet
    detailed_folds : bool
        Add the train/valid instance counts per fold and class (``fold K train`` ...).
    instance : int, optional
        Add the metadata and feature statistics of this instance.

    Returns
    -------
    dict
        Ordered field -> value: ``file``, ``instances``, ``files``, ``chunks per file``,
        ``feature dims``, ``folds``, ``partitions``, ``labels``, ``classes``,
        ``variable length``, the provenance (``audeep version``, ``command``,
        ``created``) when recorded, then the requested details.

    Raises
    ------
    ParameterError
        If ``instance`` is not an instance index of the data set.
    """
    from audeep.dataset.shards import describe_shards

    info = dict(_summary(dataset), **describe_shards(dataset.path))
    if detailed_folds:
        info.update(_fold_details(dataset))
    if instance is not None:
        info.update(_instance_details(dataset, instance))
    return info
