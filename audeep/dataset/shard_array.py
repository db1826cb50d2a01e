"""The features of a sharded data set as one lazy xarray backend array (see :mod:`audeep.dataset.shards`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from xarray.backends import BackendArray  # imported only to open a sharded data set

from audeep.errors import DataSetError

__all__ = ["ShardedFeatures"]


class ShardedFeatures(BackendArray):
    """The features of all shards as one lazy array, shape (n_instances, ...): rows read from their shard.

    Wrapped in an ``xarray`` ``LazilyIndexedArray`` by :func:`open_shards`; a read of rows that
    span shards reads each shard's part in order.
    """

    def __init__(self, variables: list, names: list, folder: Path):
        self.variables, self.names, self.folder = variables, names, folder
        counts = [int(v.shape[0]) for v in variables]
        self.offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.shape = (int(self.offsets[-1]),) + tuple(int(s) for s in variables[0].shape[1:])
        self.dtype = np.dtype(np.float32)

    def __getitem__(self, key):
        from xarray.core import indexing

        return indexing.explicit_indexing_adapter(key, self.shape, indexing.IndexingSupport.OUTER, self._read)

    def _read(self, key: tuple) -> np.ndarray:
        """Rows ``key[0]`` (int, slice or int array) and the feature-dimension keys ``key[1:]``."""
        rows = np.arange(self.shape[0])[key[0]]
        scalar = np.ndim(rows) == 0
        rows = np.atleast_1d(rows)
        rest = tuple(key[1:])
        shard = np.searchsorted(self.offsets, rows, side="right") - 1
        runs = np.split(np.arange(rows.size), np.flatnonzero(np.diff(shard)) + 1) if rows.size else []
        parts = [self._read_shard(int(shard[run[0]]), rows[run] - self.offsets[shard[run[0]]], rest) for run in runs]
        out = np.concatenate(parts) if parts else np.asarray(self.variables[0][(slice(0, 0),) + rest].values)
        return out[0] if scalar else out.astype(np.float32, copy=False)

    def _read_shard(self, k: int, local: np.ndarray, rest: tuple) -> np.ndarray:
        contiguous = local.size > 0 and np.array_equal(local, np.arange(local[0], local[0] + local.size))
        index = slice(int(local[0]), int(local[-1]) + 1) if contiguous else local
        try:
            return np.asarray(self.variables[k][(index,) + rest].values)
        except (OSError, RuntimeError, ValueError) as exc:  # HDF5 reports damaged blocks as RuntimeError
            raise DataSetError(f"{self.folder}: shard {self.names[k]}: cannot read the features of its instances "
                               f"{local[0]}..{local[-1]} ({type(exc).__name__}: {exc}); the shard is damaged or "
                               "truncated") from exc
