"""The streaming, atomic data set writer (netCDF4 directly, not xarray).

:class:`DataSetWriter` appends rows along an unlimited ``instance`` dimension, so the
number of instances need not be known in advance and memory stays flat; the file is
written under a temporary name in the target folder and renamed only when complete.
The files it writes follow :mod:`audeep.dataset.schema` and open with xarray.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audeep._atomic import atomic_path
from audeep.dataset.integrity import nonfinite_rows
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
    PARTITION,
    check_feature_dims,
    check_lengths,
    encode_attrs,
    missing_as_nan,
    rows_per_chunk,
)
from audeep.errors import DataSetError, ParameterError

if TYPE_CHECKING:
    from audeep.dataset import DataSet

__all__ = ["DataSetWriter"]

#: HDF5 chunk length (instances) of the per-instance metadata variables.
_META_CHUNK = 4096


class DataSetWriter:
    """Write a data set file instance by instance, atomically.

    Rows are appended along an unlimited ``instance`` dimension, so the number of
    instances need not be known in advance and memory stays flat.  The file is written
    under a temporary name in the target folder and renamed to ``path`` only when the
    ``with`` block ends without an exception; otherwise the temporary file is removed.
    Features must be finite; they are stored with a Fletcher-32 checksum per HDF5 chunk, so
    a damaged file is reported when read instead of giving wrong values.

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
                 label_map: Mapping[str, int] | None = None, with_nominal: bool = False,
                 with_numeric: bool = False, with_partition: bool = False, with_length: bool = False,
                 attrs: Mapping[str, object] | None = None):
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
        return rows_per_chunk(self._feature_shape)

    @property
    def _feature_shape(self) -> tuple:
        return tuple(int(s) for s in self.feature_dims.values())

    @classmethod
    def like(cls, dataset: DataSet, path, *, feature_dims: Mapping[str, int], with_length: bool = False,
             attrs: Mapping[str, object] | None = None) -> DataSetWriter:
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

    def append_rows(self, dataset: DataSet, rows, *, features, lengths=None) -> None:
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

    def __enter__(self):
        import netCDF4

        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise DataSetError(f"{self.path}: the folder {folder} does not exist")
        try:
            check_feature_dims(self.feature_dims)
        except DataSetError as exc:
            raise DataSetError(f"{self.path}: {exc}") from None
        self._atomic = atomic_path(self.path)
        try:
            self._tmp = tmp = self._atomic.__enter__()
        except ParameterError as exc:
            raise DataSetError(str(exc)) from exc
        try:
            self._nc = netCDF4.Dataset(str(tmp), "w", format="NETCDF4")
        except OSError as exc:
            self._atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise DataSetError(f"{self.path}: cannot create netCDF file ({exc})") from exc
        self._create_metadata(self._nc)
        self._create_features(self._nc)
        self._nc.setncatts(encode_attrs(self.feature_dims, self.label_map, self.attrs))
        return self

    def _create_metadata(self, nc) -> None:
        """Create the dimensions and the per-instance metadata variables."""
        nc.createDimension(INSTANCE_DIM, None)
        nc.createDimension(FOLD_DIM, self.num_folds)
        for name, size in self.feature_dims.items():
            nc.createDimension(name, int(size))
        nc.createVariable(FILENAME, str, (INSTANCE_DIM,))
        nc.createVariable(CHUNK_NR, "i8", (INSTANCE_DIM,), chunksizes=(_META_CHUNK,))
        if self.with_nominal:
            nc.createVariable(LABEL_NOMINAL, str, (INSTANCE_DIM,))
        if self.with_numeric:
            nc.createVariable(LABEL_NUMERIC, "f8", (INSTANCE_DIM,), chunksizes=(_META_CHUNK,))
        nc.createVariable(CV_FOLDS, "i1", (INSTANCE_DIM, FOLD_DIM),
                          chunksizes=(_META_CHUNK, max(1, self.num_folds)))
        if self.with_partition:
            nc.createVariable(PARTITION, "f8", (INSTANCE_DIM,), chunksizes=(_META_CHUNK,))
        if self.with_length:
            nc.createVariable(LENGTH, "i4", (INSTANCE_DIM,), chunksizes=(_META_CHUNK,))

    def _create_features(self, nc) -> None:
        """Create the compressed, chunked features variable with a cache of one chunk."""
        shape = self._feature_shape
        rows = self.chunk_rows
        features = nc.createVariable(FEATURES, "f4", (INSTANCE_DIM,) + tuple(self.feature_dims),
                                     zlib=True, complevel=1, shuffle=True, fletcher32=True,
                                     chunksizes=(rows,) + tuple(max(1, s) for s in shape))
        # a cache of one chunk: appends are sequential, so a chunk is compressed as soon as it is
        # complete (see append), while the producer works, instead of all at close
        chunk_bytes = rows * max(4, int(np.prod(shape, dtype=np.int64)) * 4)
        features.set_var_chunk_cache(size=chunk_bytes + (64 << 10), nelems=521, preemption=1.0)

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
        feats = np.asarray(features, dtype=np.float32)
        shape = tuple(self.feature_dims.values())
        if feats.shape[1:] != shape:
            raise DataSetError(f"features of shape {feats.shape[1:]} do not fit the data set's {shape}")
        k = feats.shape[0]
        if k == 0:
            return
        bad = nonfinite_rows(feats)
        if bad.size:
            raise DataSetError(f"{self.path}: instance {self.num_written + int(bad[0])} "
                               f"({str(np.asarray(filenames)[bad[0]])!r}) has NaN or infinite features "
                               f"({bad.size} of {k} rows): a data set holds finite features only")
        if self.with_length:
            try:
                check_lengths(lengths, time_steps=feats.shape[1], filenames=filenames, offset=self.num_written)
            except DataSetError as exc:
                raise DataSetError(f"{self.path}: {exc}") from None
        sl = slice(self.num_written, self.num_written + k)
        self._nc[FEATURES][sl] = feats
        self._write_metadata(sl, k, filenames=filenames, chunk_nrs=chunk_nrs, labels_nominal=labels_nominal,
                             labels_numeric=labels_numeric, cv_folds=cv_folds, partitions=partitions,
                             lengths=lengths)
        rows = self.chunk_rows
        completed = (self.num_written + k) // rows > self.num_written // rows
        self.num_written += k
        if completed:
            self._nc.sync()  # compress and write the completed chunk now, not when the next one is touched

    def _write_metadata(self, sl: slice, k: int, *, filenames, chunk_nrs, labels_nominal, labels_numeric,
                        cv_folds, partitions, lengths) -> None:
        """Write the metadata of ``k`` rows at ``sl`` (arguments as in :meth:`append`)."""
        nc = self._nc
        nc[FILENAME][sl] = np.asarray(filenames, dtype=object)
        nc[CHUNK_NR][sl] = np.zeros(k, np.int64) if chunk_nrs is None else np.asarray(chunk_nrs, np.int64)
        if self.with_nominal:
            values = [] if labels_nominal is None else labels_nominal
            nc[LABEL_NOMINAL][sl] = np.array(
                ["" if labels_nominal is None or v is None else str(v)
                 for v in (values if len(values) else [None] * k)],
                dtype=object)
        if self.with_numeric:
            nc[LABEL_NUMERIC][sl] = missing_as_nan(labels_numeric, k)
        if self.num_folds:
            folds = np.zeros((k, self.num_folds), np.int8) if cv_folds is None else np.asarray(cv_folds, np.int8)
            nc[CV_FOLDS][sl, :] = folds
        if self.with_partition:
            nc[PARTITION][sl] = missing_as_nan(partitions, k)
        if self.with_length:
            nc[LENGTH][sl] = np.asarray(lengths, np.int32)

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
