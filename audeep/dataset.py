"""The audeep data model: one netCDF-4 (HDF5) file per data set.

A data set holds one row per *instance* (a file, or one chunk of a file) with its
metadata and a float32 feature array.  The on-disk schema is the one of the original
auDeep, so its files open here:

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

Files are written atomically (a temporary file in the same folder, renamed when
complete) and opened lazily: only metadata is read on :meth:`DataSet.open`; features
are read in slabs of instances.
"""

from __future__ import annotations

import datetime
import enum
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:  # xarray (and pandas) cost 0.3 s to import: only where a DataSet is made
    import xarray as xr

from audeep.atomic import atomic_path
from audeep.errors import DataSetError, ParameterError

__all__ = [
    "DataSet",
    "DataSetWriter",
    "Partition",
    "Split",
    "Violation",
    "MISSING",
    "INSTANCE_DIM",
    "FOLD_DIM",
    "provenance_attrs",
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
_CHUNK_BYTES = 1024 * 1024


class Partition(enum.IntEnum):
    """Partition of an instance."""

    TRAIN = 0
    DEVEL = 1
    TEST = 2

    @classmethod
    def parse(cls, value: "str | int | Partition") -> "Partition":
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


#: The integrity constraints checked by :meth:`DataSet.validate`, in order.
CONSTRAINTS = {
    "chunk-nominal-labels": "chunks of one file share their nominal label",
    "chunk-numeric-labels": "chunks of one file share their numeric label",
    "chunk-cv-folds": "chunks of one file share their cross-validation folds",
    "chunk-partition": "chunks of one file share their partition",
    "label-map": "labels agree with the label map",
    "chunk-count": "every file has the same number of chunks",
    "chunk-numbers": "the chunk numbers of every file are exactly 0..n-1",
    "finite-features": "features are finite (no NaN or infinity)",
}


# ----------------------------------------------------------------------------------
# normalisation helpers (raw arrays from disk or from the caller -> in-memory form)
# ----------------------------------------------------------------------------------

def _as_str_array(values, *, allow_missing: bool) -> np.ndarray:
    """Object array of str, with ``None`` for missing entries."""
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


def _as_int_array(values, *, dtype=np.int64) -> np.ndarray:
    """Integer array with :data:`MISSING` for NaN / masked entries."""
    arr = np.ma.filled(np.ma.asarray(values).astype(np.float64), np.nan).reshape(-1)
    missing = ~np.isfinite(arr)
    out = np.where(missing, MISSING, arr)
    if not np.all(out == np.round(out)):
        raise DataSetError("expected integer values, found fractions")
    return out.astype(dtype)


def _label_map_from_attr(value) -> "dict[str, int] | None":
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


def _label_map_to_attr(label_map: Mapping[str, int]) -> str:
    return json.dumps(sorted([[str(k), int(v)] for k, v in label_map.items()]))


# ----------------------------------------------------------------------------------
# the data set
# ----------------------------------------------------------------------------------

class DataSet:
    """A data set of instances with metadata and features, over an ``xarray.Dataset``.

    Build one with :meth:`create` or :meth:`open`; do not call the constructor with a
    raw ``xarray.Dataset`` unless it already has the normalised in-memory form.

    Parameters
    ----------
    data : xarray.Dataset
        Normalised data (see module docstring); features may be lazy.
    path : path-like, optional
        The file the data was opened from, if any.
    """

    def __init__(self, data: xr.Dataset, *, path: "str | os.PathLike | None" = None):
        self.data = data
        self.path = Path(path) if path is not None else None

    # ------------------------------------------------------------------ creation
    @classmethod
    def create(
        cls,
        *,
        features,
        filenames: Sequence[str],
        chunk_nrs: "Sequence[int] | None" = None,
        labels_nominal: "Sequence[str | None] | None" = None,
        labels_numeric: "Sequence[int] | None" = None,
        label_map: "Mapping[str, int] | None" = None,
        cv_folds=None,
        partitions: "Sequence[int | str | None] | None" = None,
        lengths: "Sequence[int] | None" = None,
        feature_dims: "Sequence[str] | None" = None,
        attrs: "Mapping[str, object] | None" = None,
    ) -> "DataSet":
        """Build a data set from arrays.

        Parameters
        ----------
        features : array-like, shape (n_instances, ...)
            Feature array; converted to float32.
        filenames : sequence of str, length n_instances
        chunk_nrs : sequence of int, optional
            Defaults to 0 for every instance.
        labels_nominal : sequence of str or None, optional
            Class names; ``None`` marks a missing label.  With a ``label_map`` the
            numeric labels are derived from it (and must not be passed).
        labels_numeric : sequence of int, optional
            Class numbers (-1 = missing); only without a label map.
        label_map : mapping str -> int, optional
            Nominal -> numeric label.  Built alphabetically from ``labels_nominal``
            when those are given without a map and without numeric labels.
        cv_folds : array-like, shape (n_instances, n_folds), optional
            0 = TRAIN, 1 = VALID.
        partitions : sequence, optional
            Partition names or numbers per instance; ``None``/-1 = missing.
        lengths : sequence of int, optional
            Valid time steps of variable-length (padded) features.
        feature_dims : sequence of str, optional
            Names of the feature dimensions; default ``generated`` for 1-D
            features, ``time, freq`` for 2-D ones, ``time, freq, ...`` beyond.
        attrs : mapping, optional
            Extra attributes (provenance).

        Returns
        -------
        DataSet

        Raises
        ------
        DataSetError, ParameterError
            On inconsistent shapes or labels.
        """
        feats = np.asarray(features, dtype=np.float32)
        if feats.ndim < 2:
            raise ParameterError(
                f"features of shape {feats.shape}: expected (n_instances, feature dims...)"
            )
        n = feats.shape[0]
        names = _as_str_array(filenames, allow_missing=False)
        if names.shape[0] != n:
            raise DataSetError(f"{names.shape[0]} filenames for {n} feature rows")
        if feature_dims is None:
            feature_dims = default_feature_dims(feats.ndim - 1)
        feature_dims = tuple(feature_dims)
        if len(feature_dims) != feats.ndim - 1:
            raise ParameterError(
                f"feature_dims {list(feature_dims)} do not match features with {feats.ndim - 1} feature dimensions"
            )

        def per_instance(values, name):
            arr = np.asarray(values)
            if arr.shape[0] != n:
                raise DataSetError(f"{name} has {arr.shape[0]} entries, expected {n}")
            return arr

        variables: dict = {
            FILENAME: ((INSTANCE_DIM,), names),
            CHUNK_NR: (
                (INSTANCE_DIM,),
                np.zeros(n, np.int64) if chunk_nrs is None else per_instance(chunk_nrs, CHUNK_NR).astype(np.int64),
            ),
        }
        if label_map is not None and labels_numeric is not None:
            raise ParameterError("pass either label_map or labels_numeric, not both: the map sets the numbers")
        if labels_nominal is not None:
            nominal = _as_str_array(per_instance(np.asarray(labels_nominal, dtype=object), LABEL_NOMINAL), allow_missing=True)
            variables[LABEL_NOMINAL] = ((INSTANCE_DIM,), nominal)
            if label_map is None and labels_numeric is None:
                label_map = {name: i for i, name in enumerate(sorted({v for v in nominal if v is not None}))}
            if label_map is not None:
                label_map = {str(k): int(v) for k, v in label_map.items()}
                unknown = sorted({v for v in nominal if v is not None and v not in label_map})
                if unknown:
                    raise DataSetError(
                        f"labels {unknown[:5]} are not in the label map (known: {sorted(label_map)[:10]})"
                    )
                numeric = np.array([MISSING if v is None else label_map[v] for v in nominal], np.int64)
                variables[LABEL_NUMERIC] = ((INSTANCE_DIM,), numeric)
        if labels_numeric is not None:
            variables[LABEL_NUMERIC] = ((INSTANCE_DIM,), _as_int_array(per_instance(labels_numeric, LABEL_NUMERIC)))
        if cv_folds is None:
            folds = np.zeros((n, 0), np.int8)
        else:
            folds = np.asarray(cv_folds)
            if folds.ndim != 2 or folds.shape[0] != n:
                raise DataSetError(f"cv_folds of shape {folds.shape}: expected ({n}, n_folds)")
            if folds.size and not np.isin(folds, (0, 1)).all():
                raise DataSetError("cv_folds must hold only 0 (TRAIN) and 1 (VALID)")
            folds = folds.astype(np.int8)
        variables[CV_FOLDS] = ((INSTANCE_DIM, FOLD_DIM), folds)
        if partitions is not None:
            parts = np.array(
                [MISSING if p is None or (isinstance(p, (int, np.integer)) and p == MISSING)
                 or (isinstance(p, float) and np.isnan(p)) else int(Partition.parse(p))
                 for p in per_instance(np.asarray(partitions, dtype=object), PARTITION)],
                np.int8,
            )
            variables[PARTITION] = ((INSTANCE_DIM,), parts)
        if lengths is not None:
            variables[LENGTH] = ((INSTANCE_DIM,), per_instance(lengths, LENGTH).astype(np.int32))
        variables[FEATURES] = ((INSTANCE_DIM,) + feature_dims, feats)
        out_attrs = {"feature_dims": json.dumps(list(feature_dims))}
        if label_map is not None:
            out_attrs["label_map"] = _label_map_to_attr(label_map)
        if attrs:
            out_attrs.update({k: _attr_value(v) for k, v in attrs.items()})
        import xarray as xr

        return cls(xr.Dataset(variables, attrs=out_attrs))

    @classmethod
    def open(cls, path: "str | os.PathLike") -> "DataSet":
        """Open a data set file lazily: metadata is read, features on demand.

        Parameters
        ----------
        path : path-like
            A netCDF-4 file written by audeep or by the original auDeep.

        Returns
        -------
        DataSet

        Raises
        ------
        DataSetError
            If the file does not exist, is not netCDF, or lacks the schema.
        """
        path = Path(path)
        if not path.exists():
            raise DataSetError(f"{path}: no such file")
        if path.is_dir():
            raise DataSetError(f"{path}: is a folder, expected a netCDF data set file")
        import xarray as xr

        try:
            raw = xr.open_dataset(path, engine="netcdf4", mask_and_scale=True, decode_times=False,
                                  cache=False)
        except Exception as exc:  # the netCDF library raises OSError, ValueError, ...
            raise DataSetError(f"{path}: not a readable netCDF file ({exc.__class__.__name__}: {exc})") from exc
        try:
            data = _normalise(raw)
        except DataSetError as exc:
            raw.close()
            raise DataSetError(f"{path}: {exc}") from exc
        return cls(data, path=path)

    def close(self) -> None:
        """Release the file handle of a lazily opened data set."""
        self.data.close()

    def __enter__(self) -> "DataSet":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ metadata
    @property
    def num_instances(self) -> int:
        """Number of instances."""
        return int(self.data.sizes[INSTANCE_DIM])

    def __len__(self) -> int:
        return self.num_instances

    @property
    def feature_dims(self) -> tuple:
        """Names of the feature dimensions, e.g. ``("time", "freq")``."""
        return tuple(self.data[FEATURES].dims[1:])

    @property
    def feature_shape(self) -> tuple:
        """Shape of one instance's features."""
        return tuple(self.data[FEATURES].shape[1:])

    @property
    def filenames(self) -> np.ndarray:
        """Object array of str, shape (n_instances,)."""
        return self.data[FILENAME].values

    @property
    def chunk_nrs(self) -> np.ndarray:
        """Int64 array, shape (n_instances,)."""
        return self.data[CHUNK_NR].values

    @property
    def labels_nominal(self) -> "np.ndarray | None":
        """Object array of str (``None`` = missing), shape (n_instances,), or None without labels."""
        return self.data[LABEL_NOMINAL].values if LABEL_NOMINAL in self.data else None

    @property
    def labels_numeric(self) -> "np.ndarray | None":
        """Int64 array (-1 = missing), shape (n_instances,), or None without labels."""
        return self.data[LABEL_NUMERIC].values if LABEL_NUMERIC in self.data else None

    @property
    def label_map(self) -> "dict[str, int] | None":
        """Nominal -> numeric label, or None."""
        return _label_map_from_attr(self.data.attrs.get("label_map"))

    @property
    def class_names(self) -> list:
        """Class names ordered by numeric label (from the label map, else the nominal labels)."""
        if self.label_map is not None:
            return [name for name, _ in sorted(self.label_map.items(), key=lambda kv: (kv[1], kv[0]))]
        if self.labels_nominal is not None:
            return sorted({v for v in self.labels_nominal if v is not None})
        return []

    @property
    def cv_folds(self) -> np.ndarray:
        """Int8 array, shape (n_instances, n_folds): 0 = TRAIN, 1 = VALID."""
        return self.data[CV_FOLDS].values

    @property
    def num_folds(self) -> int:
        """Number of cross-validation folds (0 without a setup)."""
        return int(self.data.sizes.get(FOLD_DIM, 0))

    @property
    def partitions(self) -> "np.ndarray | None":
        """Int8 array (-1 = missing), shape (n_instances,), or None."""
        return self.data[PARTITION].values if PARTITION in self.data else None

    @property
    def lengths(self) -> "np.ndarray | None":
        """Valid time steps per instance for variable-length features, or None."""
        return self.data[LENGTH].values if LENGTH in self.data else None

    @property
    def attrs(self) -> dict:
        """The data set's attributes (provenance, label map, feature dims)."""
        return self.data.attrs

    @property
    def is_fully_labelled(self) -> bool:
        """True if every instance has a numeric label."""
        labels = self.labels_numeric
        return labels is not None and bool(np.all(labels != MISSING))

    @property
    def has_cv_info(self) -> bool:
        """True if the data set has at least one cross-validation fold."""
        return self.num_folds > 0

    @property
    def has_partition_info(self) -> bool:
        """True if every instance has a partition."""
        parts = self.partitions
        return parts is not None and bool(np.all(parts != MISSING))

    def set_provenance(self, *, command: str, parameters: "Mapping[str, object] | None" = None) -> "DataSet":
        """Record how the data set was made (audeep version, command, parameters, time)."""
        self.data.attrs.update(provenance_attrs(command=command, parameters=parameters))
        return self

    # ------------------------------------------------------------------ features
    @property
    def features(self) -> xr.DataArray:
        """The features as a (possibly lazy) DataArray, shape (n_instances, ...)."""
        return self.data[FEATURES]

    def load_features(self, indices=None) -> np.ndarray:
        """Read features into memory.

        Parameters
        ----------
        indices : array-like of int, optional
            Instances to read, in this order; default all.

        Returns
        -------
        numpy.ndarray, float32, shape (n_selected, ...)
        """
        if indices is None:
            return np.asarray(self.data[FEATURES].values, dtype=np.float32)
        indices = np.asarray(indices, dtype=np.int64)
        if indices.size == 0:
            return np.zeros((0,) + self.feature_shape, np.float32)
        order = np.argsort(indices, kind="stable")
        sorted_idx = indices[order]
        unique, inverse = np.unique(sorted_idx, return_inverse=True)
        block = np.asarray(self.data[FEATURES][unique].values, dtype=np.float32)
        out = np.empty((indices.size,) + self.feature_shape, np.float32)
        out[order] = block[inverse]
        return out

    def iter_batches(self, *, batch_size: int, indices=None) -> Iterator:
        """Yield features in slabs, reading at most ``batch_size`` instances at a time.

        Parameters
        ----------
        batch_size : int
        indices : array-like of int, optional
            Instances to read (in this order); default all, in file order.

        Yields
        ------
        (numpy.ndarray of int, numpy.ndarray)
            The instance indices of the slab and their float32 features.
        """
        if batch_size < 1:
            raise ParameterError(f"batch_size {batch_size}: expected a positive integer")
        if indices is None:
            for start in range(0, self.num_instances, batch_size):
                stop = min(start + batch_size, self.num_instances)
                yield np.arange(start, stop), np.asarray(self.data[FEATURES][start:stop].values, np.float32)
        else:
            indices = np.asarray(indices, dtype=np.int64)
            for start in range(0, indices.size, batch_size):
                idx = indices[start:start + batch_size]
                yield idx, self.load_features(idx)

    @property
    def nbytes_features(self) -> int:
        """Size of the features in memory, in bytes."""
        return int(np.prod(self.data[FEATURES].shape, dtype=np.int64)) * 4

    # ------------------------------------------------------------------ selection
    def select(self, indices) -> "DataSet":
        """A new data set with the given instances (in this order); features stay lazy."""
        indices = np.asarray(indices, dtype=np.int64)
        return DataSet(self.data.isel({INSTANCE_DIM: indices}), path=self.path)

    def with_features(self, features, *, feature_dims: "Sequence[str] | None" = None,
                      lengths=None) -> "DataSet":
        """The same metadata with other features.

        Parameters
        ----------
        features : array-like, shape (n_instances, ...)
        feature_dims : sequence of str, optional
            Default: ``generated`` for 1-D features, else as in :meth:`create`.
        lengths : array-like of int, optional
            Valid time steps, for variable-length features.
        """
        feats = np.asarray(features, dtype=np.float32)
        if feats.shape[0] != self.num_instances:
            raise DataSetError(f"{feats.shape[0]} feature rows for {self.num_instances} instances")
        dims = tuple(feature_dims) if feature_dims is not None else default_feature_dims(feats.ndim - 1)
        data = self.data.drop_vars([FEATURES] + ([LENGTH] if LENGTH in self.data else []))
        data = data.drop_dims([d for d in self.feature_dims if d in data.dims and d not in dims])
        data[FEATURES] = ((INSTANCE_DIM,) + dims, feats)
        if lengths is not None:
            data[LENGTH] = ((INSTANCE_DIM,), np.asarray(lengths, np.int32))
        data.attrs = dict(self.data.attrs, feature_dims=json.dumps(list(dims)))
        return DataSet(data)

    def fold_indices(self, fold: int) -> tuple:
        """Instance indices of the TRAIN and VALID split of one fold.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
        """
        if not 0 <= fold < self.num_folds:
            raise ParameterError(f"fold {fold}: the data set has {self.num_folds} folds (0..{self.num_folds - 1})")
        column = self.cv_folds[:, fold]
        return np.flatnonzero(column == Split.TRAIN), np.flatnonzero(column == Split.VALID)

    def partition_indices(self, partitions) -> np.ndarray:
        """Instance indices whose partition is one of ``partitions`` (names or numbers)."""
        if self.partitions is None:
            raise DataSetError("the data set has no partition information")
        wanted = [int(Partition.parse(p)) for p in partitions]
        return np.flatnonzero(np.isin(self.partitions, wanted))

    # ------------------------------------------------------------------ validation
    def validate(self) -> list:
        """Check the integrity constraints.

        Returns
        -------
        list of Violation
            Every violated constraint with the offending filenames; empty if valid.
        """
        import pandas as pd

        violations = []
        frame = pd.DataFrame({"filename": self.filenames, "chunk_nr": self.chunk_nrs})
        groups = frame.groupby("filename", sort=True)

        def shared(column_values, key, what):
            frame[key] = column_values
            counts = frame.groupby("filename", sort=True)[key].nunique(dropna=False)
            bad = tuple(counts.index[counts > 1])
            if bad:
                violations.append(Violation(key, f"{len(bad)} files have chunks with different {what}", bad))

        nominal = self.labels_nominal
        if nominal is not None:
            shared(pd.array([v if v is not None else pd.NA for v in nominal], dtype="string"),
                   "chunk-nominal-labels", "nominal labels")
        if self.labels_numeric is not None:
            shared(self.labels_numeric, "chunk-numeric-labels", "numeric labels")
        if self.num_folds:
            folds = self.cv_folds
            shared([row.tobytes() for row in folds], "chunk-cv-folds", "cross-validation folds")
        if self.partitions is not None:
            shared(self.partitions, "chunk-partition", "partitions")

        label_map = self.label_map
        if label_map is not None and nominal is not None:
            numeric = self.labels_numeric
            bad = set()
            for i, name in enumerate(nominal):
                num = numeric[i] if numeric is not None else MISSING
                if name is None:
                    if num != MISSING and num not in label_map.values():
                        bad.add(self.filenames[i])
                elif name not in label_map or (numeric is not None and label_map[name] != num):
                    bad.add(self.filenames[i])
            if bad:
                violations.append(Violation(
                    "label-map", f"{len(bad)} files have labels that disagree with the label map",
                    tuple(sorted(bad))))

        counts = groups.size()
        if counts.nunique() > 1:
            common = counts.mode().iloc[0]
            bad = tuple(counts.index[counts != common])
            violations.append(Violation(
                "chunk-count",
                f"files have different numbers of chunks ({sorted(counts.unique().tolist())}); "
                f"{len(bad)} differ from the most common count {common}", bad))
        expected_ok = groups["chunk_nr"].apply(
            lambda s: np.array_equal(np.sort(s.to_numpy()), np.arange(len(s))))
        bad = tuple(expected_ok.index[~expected_ok.to_numpy(dtype=bool)])
        if bad:
            violations.append(Violation("chunk-numbers", f"{len(bad)} files have chunk numbers other than 0..n-1", bad))

        bad_rows = []
        for idx, block in self.iter_batches(batch_size=_rows_per_chunk(self.feature_shape)):
            finite = np.isfinite(block.reshape(block.shape[0], -1)).all(axis=1)
            bad_rows.extend(idx[~finite].tolist())
        if bad_rows:
            bad = tuple(sorted({self.filenames[i] for i in bad_rows}))
            violations.append(Violation("finite-features", f"{len(bad_rows)} instances have NaN or infinite features", bad))
        return violations

    # ------------------------------------------------------------------ saving
    def save(self, path: "str | os.PathLike") -> Path:
        """Write the data set atomically to ``path`` (netCDF-4, features chunked and compressed).

        Features are copied in slabs, so a lazily opened data set larger than memory
        can be saved.

        Returns
        -------
        pathlib.Path
            The written file.
        """
        path = Path(path)
        with DataSetWriter.like(self, path, feature_dims=dict(zip(self.feature_dims, self.feature_shape)),
                                with_length=self.lengths is not None) as writer:
            for rows, features in self.iter_batches(batch_size=_rows_per_chunk(self.feature_shape)):
                writer.append_rows(self, rows, features=features,
                                   lengths=None if self.lengths is None else self.lengths[rows])
        return path

    def __repr__(self) -> str:
        dims = ", ".join(f"{d}={s}" for d, s in zip(self.feature_dims, self.feature_shape))
        return (f"<DataSet {self.num_instances} instances, features [{dims}], "
                f"{self.num_folds} folds, {len(self.class_names)} classes>")


def provenance_attrs(*, command: str, parameters: "Mapping[str, object] | None" = None) -> dict:
    """Provenance attributes (audeep version, command, JSON parameters, UTC creation time)."""
    from audeep import __version__

    return dict(
        audeep_version=__version__,
        command=command,
        parameters=json.dumps(dict(parameters or {}), default=str, sort_keys=True),
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    )


def default_feature_dims(ndim: int) -> tuple:
    """Default feature dimension names for features with ``ndim`` dimensions."""
    if ndim == 1:
        return ("generated",)
    if ndim == 2:
        return ("time", "freq")
    return ("time", "freq") + tuple(f"dim_{i}" for i in range(2, ndim))


def _attr_value(value):
    if isinstance(value, (str, int, float, np.integer, np.floating)):
        return value
    return json.dumps(value, default=str, sort_keys=True)


def _rows_per_chunk(feature_shape) -> int:
    row_bytes = max(4, int(np.prod(feature_shape, dtype=np.int64)) * 4)
    return int(max(1, min(4096, _CHUNK_BYTES // row_bytes)))


def _normalise(raw: xr.Dataset) -> xr.Dataset:
    """Check the schema of a dataset read from disk and bring it to the in-memory form."""
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
    n = feats.shape[0]
    for name in (FILENAME, CHUNK_NR, LABEL_NOMINAL, LABEL_NUMERIC, PARTITION, LENGTH):
        if name in raw.variables and raw[name].dims != (INSTANCE_DIM,):
            raise DataSetError(f"{name!r} has dimensions {raw[name].dims}: expected ('instance',)")
    variables = {FILENAME: ((INSTANCE_DIM,), _as_str_array(raw[FILENAME].values, allow_missing=False))}
    if CHUNK_NR in raw.variables:
        chunks = _as_int_array(raw[CHUNK_NR].values)
        if (chunks == MISSING).any():
            raise DataSetError("'chunk_nr' has missing values")
    else:
        chunks = np.zeros(n, np.int64)
    variables[CHUNK_NR] = ((INSTANCE_DIM,), chunks)
    if LABEL_NOMINAL in raw.variables:
        values = raw[LABEL_NOMINAL].values
        if np.issubdtype(values.dtype, np.number) and not np.isnan(values.astype(float)).all():
            raise DataSetError(f"'label_nominal' has dtype {values.dtype}: expected strings")
        variables[LABEL_NOMINAL] = ((INSTANCE_DIM,), _as_str_array(values, allow_missing=True))
    for name in (LABEL_NUMERIC, PARTITION, LENGTH):
        if name in raw.variables:
            values = raw[name].values
            if not np.issubdtype(values.dtype, np.number):
                raise DataSetError(f"{name!r} has dtype {values.dtype}: expected integers")
            variables[name] = ((INSTANCE_DIM,), _as_int_array(values, dtype=np.int8 if name == PARTITION else np.int64))
    if CV_FOLDS in raw.variables:
        folds = raw[CV_FOLDS]
        if folds.dims != (INSTANCE_DIM, FOLD_DIM):
            raise DataSetError(f"'cv_folds' has dimensions {folds.dims}: expected ('instance', 'fold')")
        values = np.ma.filled(np.ma.asarray(folds.values).astype(np.float64), np.nan)
        if values.size and not np.isin(values, (0, 1)).all():
            raise DataSetError("'cv_folds' holds values other than 0 (TRAIN) and 1 (VALID)")
        variables[CV_FOLDS] = ((INSTANCE_DIM, FOLD_DIM), values.astype(np.int8))
    else:
        variables[CV_FOLDS] = ((INSTANCE_DIM, FOLD_DIM), np.zeros((n, 0), np.int8))
    variables[FEATURES] = feats.variable
    attrs = dict(raw.attrs)
    if "label_map" in attrs:
        _label_map_from_attr(attrs["label_map"])  # raise early on a malformed map
    import xarray as xr

    data = xr.Dataset(variables, attrs=attrs)
    data.set_close(raw.close)
    return data


# ----------------------------------------------------------------------------------
# streaming, atomic writer
# ----------------------------------------------------------------------------------

class DataSetWriter:
    """Write a data set file instance by instance, atomically.

    Rows are appended along an unlimited ``instance`` dimension, so the number of
    instances need not be known in advance and memory stays flat.  The file is written
    under a temporary name in the target folder and renamed to ``path`` only when the
    ``with`` block ends without an exception; otherwise the temporary file is removed.

    Parameters
    ----------
    path : path-like
        Final file name.
    feature_dims : mapping str -> int
        Names and sizes of the feature dimensions, in order.
    num_folds : int
        Number of cross-validation folds (may be 0).
    label_map : mapping str -> int, optional
    with_nominal, with_numeric, with_partition, with_length : bool
        Which optional variables the file has.
    attrs : mapping, optional
        Extra attributes (provenance).
    """

    def __init__(self, path, *, feature_dims: Mapping[str, int], num_folds: int = 0,
                 label_map: "Mapping[str, int] | None" = None, with_nominal: bool = False,
                 with_numeric: bool = False, with_partition: bool = False, with_length: bool = False,
                 attrs: "Mapping[str, object] | None" = None):
        self.path = Path(path)
        self.feature_dims = dict(feature_dims)
        self.num_folds = int(num_folds)
        self.label_map = dict(label_map) if label_map is not None else None
        self.with_nominal = with_nominal
        self.with_numeric = with_numeric
        self.with_partition = with_partition
        self.with_length = with_length
        self.attrs = dict(attrs or {})
        self.num_written = 0
        self._nc = None
        self._tmp = None

    @property
    def chunk_rows(self) -> int:
        """Instances per HDF5 chunk of the features variable (append in multiples of it for speed)."""
        return _rows_per_chunk(tuple(int(s) for s in self.feature_dims.values()))

    @classmethod
    def like(cls, dataset: "DataSet", path, *, feature_dims: Mapping[str, int], with_length: bool = False,
             attrs: "Mapping[str, object] | None" = None) -> "DataSetWriter":
        """A writer for a data set with the metadata layout of ``dataset`` and other features.

        Parameters
        ----------
        dataset : DataSet
            Source of the metadata layout (folds, label map, optional variables) and of the
            attributes (``attrs`` entries override them).
        path : path-like
        feature_dims : mapping str -> int
            The new features' dimensions.
        with_length : bool
            Whether the output has a ``length`` variable.
        attrs : mapping, optional
        """
        merged = {k: v for k, v in dataset.attrs.items() if k not in ("label_map", "feature_dims")}
        merged.update(attrs or {})
        return cls(path, feature_dims=feature_dims, num_folds=dataset.num_folds, label_map=dataset.label_map,
                   with_nominal=dataset.labels_nominal is not None, with_numeric=dataset.labels_numeric is not None,
                   with_partition=dataset.partitions is not None, with_length=with_length, attrs=merged)

    def append_rows(self, dataset: "DataSet", rows, *, features, lengths=None) -> None:
        """Append ``features`` for the instances ``rows`` of ``dataset``, copying their metadata.

        Parameters
        ----------
        dataset : DataSet
        rows : array-like of int, shape (n_rows,)
        features : array-like, shape (n_rows, *feature_shape)
        lengths : array-like of int, shape (n_rows,), optional
        """
        rows = np.asarray(rows, dtype=np.int64)

        def pick(values):
            return None if values is None else values[rows]

        self.append(features=features, filenames=dataset.filenames[rows], chunk_nrs=dataset.chunk_nrs[rows],
                    labels_nominal=pick(dataset.labels_nominal), labels_numeric=pick(dataset.labels_numeric),
                    cv_folds=dataset.cv_folds[rows], partitions=pick(dataset.partitions), lengths=lengths)

    def __enter__(self) -> "DataSetWriter":
        import netCDF4

        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise DataSetError(f"{self.path}: the folder {folder} does not exist")
        self._atomic = atomic_path(self.path)
        try:
            self._tmp = tmp = self._atomic.__enter__()
        except ParameterError as exc:
            raise DataSetError(str(exc)) from exc
        try:
            nc = netCDF4.Dataset(str(tmp), "w", format="NETCDF4")
        except OSError as exc:
            self._atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise DataSetError(f"{self.path}: cannot create netCDF file ({exc})") from exc
        self._nc = nc
        nc.createDimension(INSTANCE_DIM, None)
        nc.createDimension(FOLD_DIM, self.num_folds)
        for name, size in self.feature_dims.items():
            nc.createDimension(name, int(size))
        nc.createVariable(FILENAME, str, (INSTANCE_DIM,))
        nc.createVariable(CHUNK_NR, "i8", (INSTANCE_DIM,), chunksizes=(4096,))
        if self.with_nominal:
            nc.createVariable(LABEL_NOMINAL, str, (INSTANCE_DIM,))
        if self.with_numeric:
            nc.createVariable(LABEL_NUMERIC, "f8", (INSTANCE_DIM,), chunksizes=(4096,))
        nc.createVariable(CV_FOLDS, "i1", (INSTANCE_DIM, FOLD_DIM),
                          chunksizes=(4096, max(1, self.num_folds)))
        if self.with_partition:
            nc.createVariable(PARTITION, "f8", (INSTANCE_DIM,), chunksizes=(4096,))
        if self.with_length:
            nc.createVariable(LENGTH, "i4", (INSTANCE_DIM,), chunksizes=(4096,))
        shape = tuple(int(s) for s in self.feature_dims.values())
        rows = self.chunk_rows
        features = nc.createVariable(FEATURES, "f4", (INSTANCE_DIM,) + tuple(self.feature_dims),
                                     zlib=True, complevel=1, shuffle=True,
                                     chunksizes=(rows,) + tuple(max(1, s) for s in shape))
        # a cache of one chunk: appends are sequential, so a chunk is compressed as soon as it is
        # complete (see append), while the producer works, instead of all at close
        chunk_bytes = rows * max(4, int(np.prod(shape, dtype=np.int64)) * 4)
        features.set_var_chunk_cache(size=chunk_bytes + (64 << 10), nelems=521, preemption=1.0)
        attrs = {"feature_dims": json.dumps(list(self.feature_dims))}
        if self.label_map is not None:
            attrs["label_map"] = _label_map_to_attr(self.label_map)
        attrs.update({k: _attr_value(v) for k, v in self.attrs.items()})
        nc.setncatts(attrs)
        return self

    def append(self, *, features, filenames, chunk_nrs=None, labels_nominal=None, labels_numeric=None,
               cv_folds=None, partitions=None, lengths=None) -> None:
        """Append rows.

        Parameters
        ----------
        features : array-like, shape (n_rows, *feature_shape)
        filenames : sequence of str, length n_rows
        chunk_nrs, labels_numeric, partitions, lengths : sequence of int, optional
            -1 marks a missing label or partition.
        labels_nominal : sequence of str or None, optional
        cv_folds : array-like, shape (n_rows, num_folds), optional
        """
        nc = self._nc
        feats = np.asarray(features, dtype=np.float32)
        shape = tuple(self.feature_dims.values())
        if feats.shape[1:] != shape:
            raise DataSetError(f"features of shape {feats.shape[1:]} do not fit the data set's {shape}")
        k = feats.shape[0]
        if k == 0:
            return
        sl = slice(self.num_written, self.num_written + k)
        nc[FEATURES][sl] = feats
        names = np.asarray(filenames, dtype=object)
        nc[FILENAME][sl] = names
        nc[CHUNK_NR][sl] = np.zeros(k, np.int64) if chunk_nrs is None else np.asarray(chunk_nrs, np.int64)
        if self.with_nominal:
            values = [] if labels_nominal is None else labels_nominal
            nc[LABEL_NOMINAL][sl] = np.array(
                ["" if labels_nominal is None or v is None else str(v) for v in (values if len(values) else [None] * k)],
                dtype=object)
        if self.with_numeric:
            nc[LABEL_NUMERIC][sl] = _missing_as_nan(labels_numeric, k)
        folds = np.zeros((k, self.num_folds), np.int8) if cv_folds is None else np.asarray(cv_folds, np.int8)
        if self.num_folds:
            nc[CV_FOLDS][sl, :] = folds
        if self.with_partition:
            nc[PARTITION][sl] = _missing_as_nan(partitions, k)
        if self.with_length:
            nc[LENGTH][sl] = np.asarray(lengths, np.int32)
        rows = self.chunk_rows
        completed = (self.num_written + k) // rows > self.num_written // rows
        self.num_written += k
        if completed:
            nc.sync()  # compress and write the completed chunk now, not when the next one is touched

    def __exit__(self, exc_type, exc, tb) -> None:
        nc, self._nc = self._nc, None
        try:
            if nc is not None:
                nc.close()
        except BaseException as close_error:
            exc_type, exc, tb = type(close_error), close_error, close_error.__traceback__
            raise
        finally:
            self._atomic.__exit__(exc_type, exc, tb)  # rename when complete, else remove


def _missing_as_nan(values, k: int) -> np.ndarray:
    if values is None:
        return np.full(k, np.nan)
    arr = np.asarray(values, dtype=np.float64)
    return np.where(arr == MISSING, np.nan, arr)
