"""The on-disk schema of a data set: names, encodings and the normalisation on open.

A data set holds one row per *instance* (a file, or one chunk of a file) with its
metadata and a float32 feature array.  The schema is the one of the original auDeep, so
its files open here:

=================  ==========================  ==========================================
variable           dimensions                  meaning
=================  ==========================  ==========================================
``filename``       ``instance``                the file an instance comes from (str)
``chunk_nr``       ``instance``                chunk number within its file, 0..n-1 (int)
``label_nominal``  ``instance``                class name (str, optional, may be missing)
``label_numeric``  ``instance``                class number (int, optional, may be missing)
``cv_folds``       ``instance, fold``          0 = TRAIN, 1 = VALID for every fold
``partition``      ``instance``                0 TRAIN, 1 DEVEL, 2 TEST (optional)
``length``         ``instance``                valid time steps of padded features (optional)
``features``       ``instance, <feature dims>`` float32 features
=================  ==========================  ==========================================

Attributes: ``label_map`` (JSON list of ``[name, number]`` pairs sorted by name),
``feature_dims`` (JSON list), plus provenance (``audeep_version``, ``command``,
``parameters``, ``created``).

In memory, missing nominal labels are ``None``, missing numeric labels and partitions
are ``-1`` (:data:`MISSING`).  On disk, missing numeric values are NaN (as in the
original).

This module holds the variable and dimension names, the :class:`Partition` and
:class:`Split` codes, the encodings of attributes and missing values, the file-group
helper :func:`file_groups` and :func:`normalise`, which checks a file read from disk and
brings it to the in-memory form.  It imports neither xarray nor netCDF4 at module level.
"""

from __future__ import annotations

import datetime
import enum
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from audeep.errors import DataSetError, ParameterError

if TYPE_CHECKING:  # xarray (and pandas) cost 0.3 s to import: only where a DataSet is made
    import xarray as xr

__all__ = [
    "CHUNK_NR",
    "CV_FOLDS",
    "FEATURES",
    "FILENAME",
    "FOLD_DIM",
    "INSTANCE_DIM",
    "LABEL_NOMINAL",
    "LABEL_NUMERIC",
    "LENGTH",
    "MISSING",
    "PARTITION",
    "Partition",
    "Split",
    "check_feature_dims",
    "check_lengths",
    "default_feature_dims",
    "file_groups",
    "missing_as_none",
    "normalise",
    "provenance_attrs",
    "rows_per_chunk",
]

INSTANCE_DIM = "instance"
FOLD_DIM = "fold"
MISSING = -1

FILENAME = "filename"
CHUNK_NR = "chunk_nr"
LABEL_NOMINAL = "label_nominal"
LABEL_NUMERIC = "label_numeric"
CV_FOLDS = "cv_folds"
PARTITION = "partition"
LENGTH = "length"
FEATURES = "features"

#: Target size of one HDF5 chunk of the features variable, in bytes.
CHUNK_BYTES = 1024 * 1024


class Partition(enum.IntEnum):
    """Partition of an instance."""

    TRAIN = 0
    DEVEL = 1
    TEST = 2

    @classmethod
    def parse(cls, value: str | int | Partition) -> Partition:
        """Parse a partition name (case-insensitive) or number.

        Raises
        ------
        ParameterError
            If ``value`` names no partition.
        """
        if isinstance(value, Partition):
            return value
        if isinstance(value, (int, np.integer)):
            try:
                return cls(int(value))
            except ValueError:
                pass
        else:
            try:
                return cls[str(value).strip().upper()]
            except KeyError:
                pass
        raise ParameterError(
            f"unknown partition {value!r}: expected one of "
            + ", ".join(p.name.lower() for p in cls)
        )


class Split(enum.IntEnum):
    """Role of an instance within one cross-validation fold."""

    TRAIN = 0
    VALID = 1


# ----------------------------------------------------------------------------------
# file groups, provenance, feature dims, chunking
# ----------------------------------------------------------------------------------

def file_groups(filenames) -> np.ndarray:
    """The file-group id of every instance: instances (chunks) of one file share it.

    Parameters
    ----------
    filenames : array-like, shape (n_instances,)
        The file (or any group key) of every instance; compared as str.

    Returns
    -------
    numpy.ndarray of int64, shape (n_instances,)
        Ids 0..n_files-1, numbered in the sorted order of the distinct file names.

    Examples
    --------
    >>> file_groups(["b.wav", "a.wav", "b.wav"]).tolist()
    [1, 0, 1]
    """
    names = np.asarray(filenames, dtype=object).reshape(-1).astype(str)
    _, ids = np.unique(names, return_inverse=True)
    return ids.reshape(-1).astype(np.int64)


def provenance_attrs(*, command: str, parameters: Mapping[str, object] | None = None) -> dict:
    """Provenance attributes (audeep version, command, JSON parameters, UTC creation time)."""
    from audeep import __version__

    return {
        "audeep_version": __version__,
        "command": command,
        "parameters": json.dumps(dict(parameters or {}), default=str, sort_keys=True),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),  # noqa: UP017 (3.10)
    }


def default_feature_dims(ndim: int) -> tuple:
    """Default feature dimension names for features with ``ndim`` dimensions."""
    if ndim == 1:
        return ("generated",)
    if ndim == 2:
        return ("time", "freq")
    return ("time", "freq") + tuple(f"dim_{i}" for i in range(2, ndim))


def rows_per_chunk(feature_shape) -> int:
    """Instances per HDF5 chunk (about :data:`CHUNK_BYTES` of float32 features, 1..4096)."""
    row_bytes = max(4, int(np.prod(feature_shape, dtype=np.int64)) * 4)
    return int(max(1, min(4096, CHUNK_BYTES // row_bytes)))


# ----------------------------------------------------------------------------------
# encodings (raw arrays from disk or from the caller -> in-memory form, attributes)
# ----------------------------------------------------------------------------------

def as_str_array(values, *, allow_missing: bool) -> np.ndarray:
    """Object array of str, shape (n,), with ``None`` for missing entries."""
    raw = np.asarray(values, dtype=object).reshape(-1)
    out = np.empty(raw.shape[0], dtype=object)
    for i, v in enumerate(raw):
        if isinstance(v, bytes):
            v = v.decode("utf-8")
        if v is None or (isinstance(v, float) and np.isnan(v)) or (
            isinstance(v, str) and v in ("", "nan", "None")
        ):
            if not allow_missing:
                raise DataSetError(f"missing value at instance {i}: expected a string")
            out[i] = None
        else:
            out[i] = str(v)
    return out


def as_int_array(values, *, dtype=np.int64) -> np.ndarray:
    """Integer array, shape (n,), with :data:`MISSING` for NaN / masked entries."""
    arr = np.ma.filled(np.ma.asarray(values).astype(np.float64), np.nan).reshape(-1)
    missing = ~np.isfinite(arr)
    out = np.where(missing, MISSING, arr)
    if not np.all(out == np.round(out)):
        raise DataSetError("expected integer values, found fractions")
    return out.astype(dtype)


def missing_as_none(values) -> np.ndarray:
    """Object array, shape (n,), with ``None`` for missing entries (xarray holds them as NaN)."""
    import pandas as pd  # loaded with xarray, which made ``values``

    values = np.asarray(values, dtype=object)
    missing = pd.isna(values)
    if not missing.any():
        return values
    out = values.copy()
    out[missing] = None
    return out


def missing_as_nan(values, k: int) -> np.ndarray:
    """Float64 array, shape (k,), with NaN for :data:`MISSING` (the on-disk encoding); all NaN for None."""
    if values is None:
        return np.full(k, np.nan)
    arr = np.asarray(values, dtype=np.float64)
    return np.where(arr == MISSING, np.nan, arr)


def label_map_from_attr(value) -> dict[str, int] | None:
    """The label map of a ``label_map`` attribute (JSON pairs or a mapping), or None."""
    if value is None:
        return None
    try:
        parsed = json.loads(value) if isinstance(value, (str, bytes)) else value
        if isinstance(parsed, Mapping):
            items = parsed.items()
        else:
            items = [tuple(p) for p in parsed]
        return {str(k): int(v) for k, v in items}
    except (TypeError, ValueError) as exc:
        raise DataSetError(f"label_map attribute {value!r} is not a JSON list of [name, number] pairs") from exc


def label_map_to_attr(label_map: Mapping[str, int]) -> str:
    """The ``label_map`` attribute: a JSON list of ``[name, number]`` pairs sorted by name."""
    return json.dumps(sorted([[str(k), int(v)] for k, v in label_map.items()]))


def attr_value(value):
    """An attribute value netCDF can store: numbers and str as they are, anything else as JSON."""
    if isinstance(value, (str, int, float, np.integer, np.floating)):
        return value
    return json.dumps(value, default=str, sort_keys=True)


def encode_attrs(feature_dims, label_map, attrs) -> dict:
    """The attributes of a data set file: feature dims, label map (if any) and ``attrs``."""
    out = {"feature_dims": json.dumps(list(feature_dims))}
    if label_map is not None:
        out["label_map"] = label_map_to_attr(label_map)
    out.update({k: attr_value(v) for k, v in (attrs or {}).items()})
    return out


# ----------------------------------------------------------------------------------
# arrays of a caller (DataSet.create) -> variables of the in-memory form
# ----------------------------------------------------------------------------------

def encode_variables(filenames: np.ndarray, *, chunk_nrs=None, labels_nominal=None, labels_numeric=None,
                     label_map=None, cv_folds=None, partitions=None, lengths=None) -> tuple:
    """The metadata variables of the in-memory form from a caller's arrays (see ``DataSet.create``).

    Parameters
    ----------
    filenames : numpy.ndarray of str, shape (n,)
        Already checked (:func:`as_str_array`); sets the number of instances.
    chunk_nrs, labels_nominal, labels_numeric, label_map, cv_folds, partitions, lengths
        As :meth:`audeep.dataset.DataSet.create` takes them.

    Returns
    -------
    (dict, dict or None)
        Variable name -> (dims, values) for xarray, and the label map.
    """
    n = filenames.shape[0]
    chunks = np.zeros(n, np.int64) if chunk_nrs is None else _per_instance(chunk_nrs, CHUNK_NR, n).astype(np.int64)
    variables: dict = {FILENAME: ((INSTANCE_DIM,), filenames), CHUNK_NR: ((INSTANCE_DIM,), chunks)}
    label_map = _label_variables(variables, n, labels_nominal=labels_nominal, labels_numeric=labels_numeric,
                                 label_map=label_map)
    variables[CV_FOLDS] = ((INSTANCE_DIM, FOLD_DIM), _fold_array(cv_folds, n))
    if partitions is not None and _any_partition(parts := _partition_array(partitions, n)):
        variables[PARTITION] = ((INSTANCE_DIM,), parts)
    if lengths is not None:
        variables[LENGTH] = ((INSTANCE_DIM,), _per_instance(lengths, LENGTH, n).astype(np.int32))
    return variables, label_map


def _per_instance(values, name: str, n: int) -> np.ndarray:
    """``values`` as an array, checked to have one entry per instance."""
    arr = np.asarray(values)
    if arr.shape[0] != n:
        raise DataSetError(f"{name} has {arr.shape[0]} entries, expected {n}")
    return arr


def _label_variables(variables: dict, n: int, *, labels_nominal, labels_numeric, label_map):
    """Add the label variables of ``n`` instances to ``variables``; returns the label map (or None).

    With nominal labels and no map (nor numeric labels), the map numbers the classes
    alphabetically; with a map, the numeric labels are derived from it.
    """
    if label_map is not None and labels_numeric is not None:
        raise ParameterError("pass either label_map or labels_numeric, not both: the map sets the numbers",
                             parameter=("label_map", "labels_numeric"))
    if labels_nominal is not None:
        nominal = as_str_array(_per_instance(np.asarray(labels_nominal, dtype=object), LABEL_NOMINAL, n),
                               allow_missing=True)
        variables[LABEL_NOMINAL] = ((INSTANCE_DIM,), nominal)
        if label_map is None and labels_numeric is None:
            label_map = {name: i for i, name in enumerate(sorted({v for v in nominal if v is not None}))}
        if label_map is not None:
            label_map = {str(k): int(v) for k, v in label_map.items()}
            unknown = sorted({v for v in nominal if v is not None and v not in label_map})
            if unknown:
                raise DataSetError(f"labels {unknown[:5]} are not in the label map (known: {sorted(label_map)[:10]})")
            numeric = np.array([MISSING if v is None else label_map[v] for v in nominal], np.int64)
            variables[LABEL_NUMERIC] = ((INSTANCE_DIM,), numeric)
    if labels_numeric is not None:
        variables[LABEL_NUMERIC] = ((INSTANCE_DIM,), as_int_array(_per_instance(labels_numeric, LABEL_NUMERIC, n)))
    return label_map


def _fold_array(cv_folds, n: int) -> np.ndarray:
    """Int8 array, shape (n, n_folds), of 0 (TRAIN) and 1 (VALID); width 0 for None."""
    if cv_folds is None:
        return np.zeros((n, 0), np.int8)
    folds = np.asarray(cv_folds)
    if folds.ndim != 2 or folds.shape[0] != n:
        raise DataSetError(f"cv_folds of shape {folds.shape}: expected ({n}, n_folds)")
    if folds.size and not np.isin(folds, (0, 1)).all():
        raise DataSetError("cv_folds must hold only 0 (TRAIN) and 1 (VALID)")
    return folds.astype(np.int8)


def _any_partition(partitions: np.ndarray) -> bool:
    """False if every instance lacks a partition: how the original stores "no partitioning" (then none is kept)."""
    return partitions.size == 0 or bool((partitions != MISSING).any())


def _partition_array(partitions, n: int) -> np.ndarray:
    """Int8 array, shape (n,), of partition numbers; :data:`MISSING` for None, -1 or NaN."""
    return np.array(
        [MISSING if p is None or (isinstance(p, (int, np.integer)) and p == MISSING)
         or (isinstance(p, float) and np.isnan(p)) else int(Partition.parse(p))
         for p in _per_instance(np.asarray(partitions, dtype=object), PARTITION, n)],
        np.int8,
    )


# ----------------------------------------------------------------------------------
# checks shared by open, create and the writer
# ----------------------------------------------------------------------------------

def check_feature_dims(feature_dims: Mapping[str, int]) -> None:
    """Raise :class:`DataSetError` if a feature dimension has length 0 (features without values).

    Parameters
    ----------
    feature_dims : mapping str -> int
        Names and lengths of the feature dimensions, in order.
    """
    empty = [name for name, size in feature_dims.items() if int(size) == 0]
    if empty:
        shape = ", ".join(f"{name}={int(size)}" for name, size in feature_dims.items())
        raise DataSetError(f"the feature dimension {empty[0]!r} has length 0 (features [{shape}]): expected at "
                           f"least one value per feature dimension")


def check_lengths(lengths, *, time_steps: int, filenames, offset: int = 0) -> None:
    """Raise :class:`DataSetError` unless every ``length`` lies in 1..``time_steps``.

    Parameters
    ----------
    lengths : array-like of int, shape (n,)
        Valid time steps per instance (:data:`MISSING` for a missing value).
    time_steps : int
        Length of the first feature dimension (time).
    filenames : array-like of str, shape (n,)
        Names the first offending instance.
    offset : int
        Instance index of the first entry (for rows appended to a file).
    """
    values = np.asarray(lengths).reshape(-1)
    bad = np.flatnonzero((values < 1) | (values > time_steps))
    if bad.size:
        first = int(bad[0])
        shown = "missing" if values[first] == MISSING else int(values[first])
        raise DataSetError(f"'length' of instance {offset + first} ({str(np.asarray(filenames)[first])!r}) is {shown}: "
                           f"expected 1..{time_steps}, the time steps of its features ({bad.size} of "
                           f"{values.size} instances are outside)")


# ----------------------------------------------------------------------------------
# on-open normalisation
# ----------------------------------------------------------------------------------

def _check_features(raw: xr.Dataset) -> None:
    for name in (FILENAME, FEATURES):
        if name not in raw.variables:
            raise DataSetError(f"variable {name!r} is missing; this is not an audeep data set "
                               f"(variables: {sorted(raw.variables)[:10]})")
    feats = raw[FEATURES]
    if not feats.dims or feats.dims[0] != INSTANCE_DIM:
        raise DataSetError(f"'features' has dimensions {feats.dims}: expected ('instance', ...)")
    if feats.ndim < 2:
        raise DataSetError("'features' has no feature dimension: expected ('instance', feature dims...)")
    if not np.issubdtype(feats.dtype, np.number):
        raise DataSetError(f"'features' has dtype {feats.dtype}: expected float32")
    check_feature_dims(dict(zip(feats.dims[1:], feats.shape[1:])))
    for name in (FILENAME, CHUNK_NR, LABEL_NOMINAL, LABEL_NUMERIC, PARTITION, LENGTH):
        if name in raw.variables and raw[name].dims != (INSTANCE_DIM,):
            raise DataSetError(f"{name!r} has dimensions {raw[name].dims}: expected ('instance',)")


def _normal_folds(raw: xr.Dataset, n: int) -> np.ndarray:
    if CV_FOLDS not in raw.variables:
        return np.zeros((n, 0), np.int8)
    folds = raw[CV_FOLDS]
    if folds.dims != (INSTANCE_DIM, FOLD_DIM):
        raise DataSetError(f"'cv_folds' has dimensions {folds.dims}: expected ('instance', 'fold')")
    values = np.ma.filled(np.ma.asarray(folds.values).astype(np.float64), np.nan)
    if values.size and not np.isin(values, (0, 1)).all():
        raise DataSetError("'cv_folds' holds values other than 0 (TRAIN) and 1 (VALID)")
    return values.astype(np.int8)


def normalise(raw: xr.Dataset) -> xr.Dataset:
    """Check the schema of a dataset read from disk and bring it to the in-memory form.

    Parameters
    ----------
    raw : xarray.Dataset
        As read by xarray (features lazy).

    Returns
    -------
    xarray.Dataset
        Metadata in memory (see the module docstring), features as in ``raw``; closing
        it closes ``raw``.

    Raises
    ------
    DataSetError
        Naming the variable that does not fit the schema.
    """
    _check_features(raw)
    n = raw[FEATURES].shape[0]
    variables = {FILENAME: ((INSTANCE_DIM,), as_str_array(raw[FILENAME].values, allow_missing=False))}
    if CHUNK_NR in raw.variables:
        chunks = as_int_array(raw[CHUNK_NR].values)
        if (chunks == MISSING).any():
            raise DataSetError("'chunk_nr' has missing values")
    else:
        chunks = np.zeros(n, np.int64)
    variables[CHUNK_NR] = ((INSTANCE_DIM,), chunks)
    if LABEL_NOMINAL in raw.variables:
        values = raw[LABEL_NOMINAL].values
        if np.issubdtype(values.dtype, np.number) and not np.isnan(values.astype(float)).all():
            raise DataSetError(f"'label_nominal' has dtype {values.dtype}: expected strings")
        variables[LABEL_NOMINAL] = ((INSTANCE_DIM,), as_str_array(values, allow_missing=True))
    for name in (LABEL_NUMERIC, PARTITION, LENGTH):
        if name in raw.variables:
            values = raw[name].values
            if not np.issubdtype(values.dtype, np.number):
                raise DataSetError(f"{name!r} has dtype {values.dtype}: expected integers")
            variables[name] = ((INSTANCE_DIM,), as_int_array(values, dtype=np.int8 if name == PARTITION else np.int64))
    if PARTITION in variables and not _any_partition(variables[PARTITION][1]):
        del variables[PARTITION]
    if LENGTH in variables:
        check_lengths(variables[LENGTH][1], time_steps=raw[FEATURES].shape[1], filenames=variables[FILENAME][1])
    variables[CV_FOLDS] = ((INSTANCE_DIM, FOLD_DIM), _normal_folds(raw, n))
    variables[FEATURES] = raw[FEATURES].variable
    attrs = dict(raw.attrs)
    if "label_map" in attrs:
        label_map_from_attr(attrs["label_map"])  # raise early on a malformed map
    import xarray as xr

    data = xr.Dataset(variables, attrs=attrs)
    data.set_close(raw.close)
    return data
