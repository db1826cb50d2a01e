"""Where ``audeep extract`` writes its rows: a netCDF data set, CSV or Parquet, each written atomically.

Every row is one window of one recording, indexed by ``file``, ``start`` and ``end``
(seconds); the table formats have the columns ``file, start, end, feature_0, ...``
(features flattened in C order), the netCDF data set keeps the features' dimensions and
stores the index as ``filename``, ``chunk_nr`` (window number in its file) and the
``start`` / ``end`` variables (docs/data-model.md).  Nothing is left under the output's
name unless the whole output was written.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audeep._atomic import atomic_path
from audeep.dataset.schema import INSTANCE_DIM
from audeep.dataset.writer import DataSetWriter
from audeep.errors import ParameterError

__all__ = ["FORMATS", "Rows", "feature_columns", "open_output", "output_format"]

#: Output formats of ``extract`` (chosen by the output's suffix unless named).
FORMATS = ("netcdf", "csv", "parquet")
_SUFFIXES = {".nc": "netcdf", ".netcdf": "netcdf", ".cdf": "netcdf", ".csv": "csv", ".parquet": "parquet",
             ".pq": "parquet"}
#: Variables of the window index in netCDF outputs (seconds).
START, END = "start", "end"


@dataclass
class Rows:
    """Rows of features: one per window.

    Attributes
    ----------
    files : list of str
    chunk_nrs : ndarray, shape (rows,), int
        Window number within its file (0, 1, ...).
    starts, ends : ndarray, shape (rows,), float
        Seconds.
    features : ndarray, shape (rows, *generated_shape), float32
    """

    files: list
    chunk_nrs: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    features: np.ndarray

    @classmethod
    def concat(cls, parts: list, shape: tuple) -> Rows:
        """All rows of ``parts`` (features of ``shape`` per row; zero rows when empty)."""
        if not parts:
            return cls([], np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros((0, *shape), np.float32))
        return cls([f for p in parts for f in p.files], np.concatenate([p.chunk_nrs for p in parts]),
                   np.concatenate([p.starts for p in parts]), np.concatenate([p.ends for p in parts]),
                   np.concatenate([p.features for p in parts]))

    def frame(self):
        """A pandas DataFrame: index (file, start, end), columns ``feature_0, ...``."""
        import pandas as pd

        flat = self.features.reshape(len(self.files), -1)
        index = pd.MultiIndex.from_arrays([pd.Index(self.files, dtype=object), self.starts, self.ends],
                                          names=["file", "start", "end"])
        return pd.DataFrame(flat, index=index, columns=feature_columns(flat.shape[1]))


def feature_columns(count: int) -> list:
    """``feature_0 .. feature_{count-1}`` (the names of :mod:`audeep.dataset.tables`)."""
    return [f"feature_{i}" for i in range(count)]


def output_format(output, format: "str | None" = None) -> str:
    """The format of ``output``: ``format`` if given, else from its suffix.

    Raises
    ------
    ParameterError
        An unknown format or suffix (naming ``format``).
    """
    if format is not None:
        name = str(format).lower()
        if name not in FORMATS:
            raise ParameterError(f"format {format!r}: expected {', '.join(FORMATS)}", parameter="format")
        return name
    suffix = Path(output).suffix.lower()
    if suffix not in _SUFFIXES:
        raise ParameterError(f"format: the output {output} has no known suffix ({', '.join(_SUFFIXES)}); "
                             "name the format", parameter=("format", "output"))
    return _SUFFIXES[suffix]


class _NetCDF(DataSetWriter):
    """A data set writer that also stores every row's ``start`` and ``end`` (seconds)."""

    def _create_metadata(self, nc) -> None:
        super()._create_metadata(nc)
        for name in (START, END):
            variable = nc.createVariable(name, "f8", (INSTANCE_DIM,), chunksizes=(4096,))
            variable.units = "s"

    def add(self, rows: Rows) -> None:
        window = slice(self.num_written, self.num_written + len(rows.files))
        self.append(features=rows.features, filenames=rows.files, chunk_nrs=rows.chunk_nrs)
        self._nc[START][window] = rows.starts
        self._nc[END][window] = rows.ends


class _Table:
    """CSV or Parquet rows streamed to a temporary file, renamed when complete."""

    def __init__(self, path: Path, format: str):
        self.path, self.format = path, format
        self._stack = contextlib.ExitStack()
        self._writer = None
        if format == "parquet":
            _pyarrow()  # a missing pyarrow fails before any work

    def __enter__(self):
        self._tmp = self._stack.enter_context(atomic_path(self.path))
        if self.format == "csv":
            self._out = self._stack.enter_context(open(self._tmp, "w", newline="", encoding="utf-8"))
        return self

    def __exit__(self, *exc):
        return self._stack.__exit__(*exc)  # closes the Parquet writer, then renames (or removes) the file

    def add(self, rows: Rows) -> None:
        frame = rows.frame().reset_index()
        if self.format == "csv":
            frame.to_csv(self._out, header=self._out.tell() == 0, index=False, float_format="%.9g")
            return
        pa, pq = _pyarrow()
        frame["file"] = frame["file"].astype(str)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(str(self._tmp), table.schema)
            self._stack.callback(self._writer.close)
        self._writer.write_table(table)

    def finish(self, columns: int) -> None:
        """Write the header (CSV) or an empty table (Parquet) when no row was added."""
        if self.format == "csv" and self._out.tell() == 0:
            self._out.write(",".join(["file", "start", "end", *feature_columns(columns)]) + "\n")
        elif self.format == "parquet" and self._writer is None:
            empty = Rows([], np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros((0, columns), np.float32))
            self.add(empty)


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ParameterError("format parquet needs pyarrow: pip install 'audeep[parquet]'",
                             parameter="format") from None
    return pa, pq


@contextlib.contextmanager
def open_output(path, format: str, *, feature_dims: dict, attrs: dict, shards=None):
    """A writer of :class:`Rows` (its ``add`` method) into ``path`` in ``format``, atomic.

    Parameters
    ----------
    path : path-like
    format : {"netcdf", "csv", "parquet"}
    feature_dims : dict
        Feature dimension name -> size (netCDF keeps them; the tables flatten them).
    attrs : dict
        Provenance attributes (netCDF only).
    shards : audeep.dataset.shard_output.ShardedOutput, optional
        Write ``path`` as a folder of shards (netCDF only).
    """
    path = Path(path)
    if format == "netcdf":
        make = functools.partial(shards.writer, writer_class=_NetCDF) if shards is not None else _NetCDF
        with make(path, feature_dims=feature_dims, attrs=attrs) as writer:
            yield writer
        return
    with _Table(path, format) as table:
        yield table
        table.finish(int(np.prod(list(feature_dims.values()), dtype=np.int64)))
