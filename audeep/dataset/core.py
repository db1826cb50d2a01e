"""The :class:`DataSet`: a lazy view of one data set file over an ``xarray.Dataset``.

A data set holds one row per *instance* (a file, or one chunk of a file) with its
metadata and a float32 feature array; the on-disk schema is described in
:mod:`audeep.dataset.schema`.  :meth:`DataSet.open` reads only the metadata; features are
read in slabs of instances.  :meth:`DataSet.save` writes atomically (:mod:`audeep.dataset.writer`).
The transforms (:mod:`audeep.dataset.transforms`) and checks (:mod:`audeep.dataset.integrity`) are methods.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audeep.dataset import integrity, transforms
from audeep.dataset.schema import (
    CHUNK_NR,
    CV_FOLDS,
    FEATURES,
    FILENAME,
    FOLD_DIM,
    INSTANCE_DIM,
    LABEL_NOMINAL,
    LABEL_NUMERIC,
    LENGTH,
    MISSING,
    PARTITION,
    Partition,
    Split,
    as_str_array,
    check_feature_dims,
    check_lengths,
    default_feature_dims,
    encode_attrs,
    encode_variables,
    label_map_from_attr,
    missing_as_none,
    normalise,
    provenance_attrs,
    rows_per_chunk,
)
from audeep.dataset.writer import DataSetWriter
from audeep.errors import DataSetError, ParameterError

if TYPE_CHECKING:  # xarray (and pandas) cost 0.3 s to import: only where a DataSet is made
    import xarray as xr

__all__ = ["DataSet"]


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

    def __init__(self, data: xr.Dataset, *, path: str | os.PathLike | None = None):
        self.data = data
        self.path = Path(path) if path is not None else None

    # ------------------------------------------------------------------ creation
    @classmethod
    def create(
        cls,
        *,
        features,
        filenames: Sequence[str],
        chunk_nrs: Sequence[int] | None = None,
        labels_nominal: Sequence[str | None] | None = None,
        labels_numeric: Sequence[int] | None = None,
        label_map: Mapping[str, int] | None = None,
        cv_folds=None,
        partitions: Sequence[int | str | None] | None = None,
        lengths: Sequence[int] | None = None,
        feature_dims: Sequence[str] | None = None,
        attrs: Mapping[str, object] | None = None,
    ) -> DataSet:
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
            raise ParameterError(f"features of shape {feats.shape}: expected (n_instances, feature dims...)",
                                 parameter="features")
        n = feats.shape[0]
        names = as_str_array(filenames, allow_missing=False)
        if names.shape[0] != n:
            raise DataSetError(f"{names.shape[0]} filenames for {n} feature rows")
        feature_dims = tuple(default_feature_dims(feats.ndim - 1) if feature_dims is None else feature_dims)
        if len(feature_dims) != feats.ndim - 1:
            raise ParameterError(f"feature_dims {list(feature_dims)} do not match features with {feats.ndim - 1} "
                                 "feature dimensions", parameter="feature_dims")
        check_feature_dims(dict(zip(feature_dims, feats.shape[1:])))
        variables, label_map = encode_variables(
            names, chunk_nrs=chunk_nrs, labels_nominal=labels_nominal, labels_numeric=labels_numeric,
            label_map=label_map, cv_folds=cv_folds, partitions=partitions, lengths=lengths)
        if lengths is not None:
            check_lengths(variables[LENGTH][1], time_steps=feats.shape[1], filenames=names)
        variables[FEATURES] = ((INSTANCE_DIM,) + feature_dims, feats)
        import xarray as xr

        return cls(xr.Dataset(variables, attrs=encode_attrs(feature_dims, label_map, attrs)))

    @classmethod
    def open(cls, path: str | os.PathLike) -> DataSet:
        """Open a data set file lazily: metadata is read, features on demand.

        Parameters
        ----------
        path : path-like
            A netCDF-4 file (audeep's or the original auDeep's), a shard folder or a glob pattern.

        Returns
        -------
        DataSet

        Raises
        ------
        DataSetError
            If the file does not exist, is not netCDF, or lacks the schema.
        """
        path = Path(path)
        from audeep.dataset import shards
        if shards.is_sharded(path):  # a shard folder or a glob pattern
            return cls(shards.open_shards(path), path=path)
        if not path.exists():
            raise DataSetError(f"{path}: no such file")
        import xarray as xr

        try:
            raw = xr.open_dataset(path, engine="netcdf4", mask_and_scale=True, decode_times=False,
                                  cache=False)
        except Exception as exc:  # the netCDF library raises OSError, ValueError, ...
            raise DataSetError(f"{path}: not a readable netCDF file ({exc.__class__.__name__}: {exc})") from exc
        try:
            data = normalise(raw)
        except DataSetError as exc:
            raw.close()
            raise DataSetError(f"{path}: {exc}") from exc
        return cls(data, path=path)

    def close(self) -> None:
        """Release the file handle of a lazily opened data set."""
        self.data.close()

    def __enter__(self):
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
    def labels_nominal(self) -> np.ndarray | None:
        """Object array of str (``None`` = missing), shape (n_instances,), or None without labels."""
        return missing_as_none(self.data[LABEL_NOMINAL].values) if LABEL_NOMINAL in self.data else None

    @property
    def labels_numeric(self) -> np.ndarray | None:
        """Int64 array (-1 = missing), shape (n_instances,), or None without labels."""
        return self.data[LABEL_NUMERIC].values if LABEL_NUMERIC in self.data else None

    @property
    def label_map(self) -> dict[str, int] | None:
        """Nominal -> numeric label, or None."""
        return label_map_from_attr(self.data.attrs.get("label_map"))

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
    def partitions(self) -> np.ndarray | None:
        """Int8 array (-1 = missing), shape (n_instances,), or None."""
        return self.data[PARTITION].values if PARTITION in self.data else None

    @property
    def lengths(self) -> np.ndarray | None:
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

    def set_provenance(self, *, command: str, parameters: Mapping[str, object] | None = None) -> DataSet:
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
            return self._read(slice(None))
        indices = np.asarray(indices, dtype=np.int64)
        if indices.size == 0:
            return np.zeros((0,) + self.feature_shape, np.float32)
        order = np.argsort(indices, kind="stable")
        sorted_idx = indices[order]
        unique, inverse = np.unique(sorted_idx, return_inverse=True)
        block = self._read(unique)
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
            raise ParameterError(f"batch_size {batch_size}: expected a positive integer", parameter="batch_size")
        if indices is None:
            for start in range(0, self.num_instances, batch_size):
                stop = min(start + batch_size, self.num_instances)
                yield np.arange(start, stop), self._read(slice(start, stop))
        else:
            indices = np.asarray(indices, dtype=np.int64)
            for start in range(0, indices.size, batch_size):
                idx = indices[start:start + batch_size]
                yield idx, self.load_features(idx)

    def _read(self, rows) -> np.ndarray:
        """Float32 features of ``rows`` (a slice or sorted unique indices); DataSetError if the file is damaged."""
        try:
            return np.asarray(self.data[FEATURES][rows].values, dtype=np.float32)
        except (OSError, RuntimeError, ValueError) as exc:  # HDF5 reports damaged blocks as RuntimeError
            read = np.arange(self.num_instances)[rows]
            raise DataSetError(f"{self.path or 'data set'}: cannot read the features of instances {read[0]}.."
                               f"{read[-1]} ({type(exc).__name__}: {exc}); the file is damaged or truncated") from exc

    @property
    def nbytes_features(self) -> int:
        """Size of the features in memory, in bytes."""
        return int(np.prod(self.data[FEATURES].shape, dtype=np.int64)) * 4

    # ------------------------------------------------------------------ selection
    def select(self, indices) -> DataSet:
        """A new data set with the given instances (in this order); features stay lazy."""
        indices = np.asarray(indices, dtype=np.int64)
        return DataSet(self.data.isel({INSTANCE_DIM: indices}), path=self.path)

    def with_features(self, features, *, feature_dims: Sequence[str] | None = None,
                      lengths=None) -> DataSet:
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
            check_lengths(lengths, time_steps=feats.shape[1] if feats.ndim > 1 else 0, filenames=self.filenames)
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
            raise ParameterError(f"fold {fold}: the data set has {self.num_folds} folds (0..{self.num_folds - 1})",
                                 parameter="fold")
        column = self.cv_folds[:, fold]
        return np.flatnonzero(column == Split.TRAIN), np.flatnonzero(column == Split.VALID)

    def partition_indices(self, partitions) -> np.ndarray:
        """Instance indices whose partition is one of ``partitions`` (names or numbers)."""
        if self.partitions is None:
            raise DataSetError("the data set has no partition information")
        wanted = [int(Partition.parse(p)) for p in partitions]
        return np.flatnonzero(np.isin(self.partitions, wanted))

    # ------------------------------------------------------------------ integrity
    def validate(self) -> list:
        """Check the integrity constraints (see :func:`audeep.dataset.integrity.validate`).

        Returns
        -------
        list of Violation
            Every violated constraint with the offending filenames; empty if valid.
        """
        return integrity.validate(self)

    def describe(self, *, detailed_folds: bool = False, instance: int | None = None) -> dict:
        """Summary of the data set (see :func:`audeep.dataset.integrity.describe`)."""
        return integrity.describe(self, detailed_folds=detailed_folds, instance=instance)

    def check_finite(self, *, batch_size: int | None = None) -> None:
        """Raise :class:`~audeep.errors.DataSetError` if any instance has NaN or infinite features.

        Features are read in slabs of ``batch_size`` instances (default one HDF5 chunk); see
        :func:`audeep.dataset.integrity.check_finite` for the message.
        """
        for rows, block in self.iter_batches(batch_size=batch_size or rows_per_chunk(self.feature_shape)):
            integrity.check_finite(block, dataset=self, rows=rows)

    # ------------------------------------------------------------------ transforms
    def add_cv_setup(self, *, num_folds: int, seed: int = 42) -> DataSet:
        """A copy with ``num_folds`` stratified folds (:func:`audeep.dataset.transforms.add_cv_setup`)."""
        return transforms.add_cv_setup(self, num_folds=num_folds, seed=seed)

    def remove_cv_setup(self) -> DataSet:
        """A copy without folds (:func:`audeep.dataset.transforms.remove_cv_setup`)."""
        return transforms.remove_cv_setup(self)

    def add_partitioning(self, *, partitions, seed: int = 42) -> DataSet:
        """A copy with every file in one of ``partitions`` (:func:`audeep.dataset.transforms.add_partitioning`)."""
        return transforms.add_partitioning(self, partitions=partitions, seed=seed)

    def remove_partitioning(self) -> DataSet:
        """A copy without partitions (:func:`audeep.dataset.transforms.remove_partitioning`)."""
        return transforms.remove_partitioning(self)

    def fuse(self, *others: DataSet, dimension: str = "generated") -> DataSet:
        """This data set's features concatenated with those of ``others`` (:func:`audeep.dataset.transforms.fuse`)."""
        return transforms.fuse([self, *others], dimension=dimension)

    def fuse_chunks(self, *, dimension: str = "generated") -> DataSet:
        """One instance per file, its chunks concatenated (:func:`audeep.dataset.transforms.fuse_chunks`)."""
        return transforms.fuse_chunks(self, dimension=dimension)

    def upsample(self, *, partitions=None) -> DataSet:
        """Classes balanced by repeating files (:func:`audeep.dataset.transforms.upsample`)."""
        return transforms.upsample(self, partitions=partitions)

    # ------------------------------------------------------------------ saving
    def save(self, path: str | os.PathLike) -> Path:
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
            for rows, features in self.iter_batches(batch_size=rows_per_chunk(self.feature_shape)):
                writer.append_rows(self, rows, features=features,
                                   lengths=None if self.lengths is None else self.lengths[rows])
        return path

    def __repr__(self) -> str:
        dims = ", ".join(f"{d}={s}" for d, s in zip(self.feature_dims, self.feature_shape))
        return (f"<DataSet {self.num_instances} instances, features [{dims}], "
                f"{self.num_folds} folds, {len(self.class_names)} classes>")


