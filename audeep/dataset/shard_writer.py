"""Writing a sharded data set (:mod:`audeep.dataset.shards`): the shard plan, resume, the writer.

A :class:`ShardPlan` fixes which files every shard holds before any work: shard ``k`` holds
files ``k*N .. (k+1)*N-1`` of the producer's deterministic file list (``preprocess``,
``extract``), or the files whose first instance falls in instances ``k*N .. (k+1)*N-1`` of
the input (``generate``), so a file's chunks never split across shards.  Every shard file
records its index, its planned file names and the producing command's parameters (the
*key*) in its attributes.  :meth:`ShardPlan.reusable` finds the shards a re-run can keep:
complete files (each is written atomically) with the same files and key; a shard file with
other files or another key is an error naming it (the output folder belongs to another
command).  :class:`ShardedWriter` has the interface of
:class:`~audeep.dataset.writer.DataSetWriter`, rolls over to the next shard as rows of
its files arrive, skips the reused shards and writes ``manifest.json`` last.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from audeep._atomic import make_folder, write_text_atomic
from audeep._params import positive_int
from audeep.dataset.shards import FORMAT, MANIFEST, VERSION, shard_name
from audeep.dataset.writer import DataSetWriter
from audeep.errors import DataSetError

__all__ = ["ShardPlan", "ShardedWriter"]


class ShardPlan:
    """Which files each shard holds, and the key of the command that writes them.

    Parameters
    ----------
    files : list of list of str
        The file names (``filename`` values) of every shard, in order.
    shard_size : int
        Files (``unit="files"``) or instances (``unit="instances"``) per shard.
    unit : {"files", "instances"}
    key : mapping
        The producing command's parameters (JSON-serialisable): a complete shard is reused
        only by a run with the same key.
    """

    def __init__(self, files: list, *, shard_size: int, unit: str, key: dict):
        self.files, self.shard_size, self.unit = [list(f) for f in files], shard_size, unit
        self.key = json.dumps(dict(key, shard_size=shard_size, unit=unit), sort_keys=True, default=str)
        self.shard_of = {name: k for k, names in enumerate(self.files) for name in names}

    @classmethod
    def of_files(cls, filenames, *, shard_size: int, key: dict) -> ShardPlan:
        """``shard_size`` files per shard, from the file names of the producer's file list (in order)."""
        shard_size = positive_int("shard_size", shard_size)
        names = [str(n) for n in filenames]
        files = [names[i:i + shard_size] for i in range(0, len(names), shard_size)] or [[]]
        return cls(files, shard_size=shard_size, unit="files", key=key)

    @classmethod
    def of_instances(cls, filenames, *, shard_size: int, key: dict) -> ShardPlan:
        """About ``shard_size`` instances per shard: a file goes to the shard of its first instance.

        Parameters
        ----------
        filenames : array-like of str, shape (n_instances,)
            The ``filename`` of every instance, in order (chunks of one file consecutive).
        """
        shard_size = positive_int("shard_size", shard_size)
        files, seen = [], set()
        for row, name in enumerate(str(n) for n in filenames):
            if name in seen:
                continue
            seen.add(name)
            k = row // shard_size
            files.extend([] for _ in range(k + 1 - len(files)))
            files[k].append(name)
        return cls([f for f in files if f] or [[]], shard_size=shard_size, unit="instances", key=key)

    @property
    def num_shards(self) -> int:
        return len(self.files)

    def reusable(self, folder) -> set:
        """Indices of the complete shards in ``folder`` that this plan can keep.

        Raises
        ------
        DataSetError
            Naming a shard file that holds other files or was written with another key.
        """
        import netCDF4

        folder, reused = Path(folder), set()
        for k, names in enumerate(self.files):
            path = folder / shard_name(k)
            if not path.is_file():
                continue
            try:
                with netCDF4.Dataset(str(path)) as nc:
                    attrs = {a: nc.getncattr(a) for a in ("shard_files", "shard_key") if a in nc.ncattrs()}
            except OSError as exc:
                raise DataSetError(f"{folder}: shard {path.name} is not a readable netCDF file ({exc}); remove "
                                   "it to recompute it") from exc
            if attrs.get("shard_files") != json.dumps(names) or attrs.get("shard_key") != self.key:
                raise DataSetError(f"{folder}: shard {path.name} holds other files or was written with other "
                                   "parameters (another command, collection or shard size): write to a new folder")
            reused.add(k)
        return reused

    def shard_attrs(self, k: int) -> dict:
        """The attributes that record what shard ``k`` holds."""
        return {"shard_index": k, "shard_files": json.dumps(self.files[k]), "shard_key": self.key}


class ShardedWriter:
    """Write a sharded data set: the interface of :class:`~audeep.dataset.writer.DataSetWriter`.

    Rows must arrive in the plan's order; each shard is written atomically by a
    ``DataSetWriter`` and ``manifest.json`` is written last, when the ``with`` block ends
    without an exception.  Shards in ``reuse`` are kept as they are (rows of their files
    are ignored); a shard whose files all fail is written empty.

    Parameters
    ----------
    folder : path-like
        The shard folder (created if missing).
    plan : ShardPlan
    reuse : set of int, optional
        Complete shards to keep (:meth:`ShardPlan.reusable`).
    writer_class : type
        The writer of each shard: ``DataSetWriter`` or a subclass.
    **options
        The keyword arguments of ``DataSetWriter`` (``feature_dims``, ``num_folds``, ...).
    """

    def __init__(self, folder, *, plan: ShardPlan, reuse=(), writer_class=DataSetWriter, **options):
        self.path, self.plan, self.reuse = Path(folder), plan, set(reuse)
        self.options, self.writer_class = options, writer_class
        self.feature_dims = dict(options["feature_dims"])
        self.num_written = 0
        self._current, self._index, self._done = None, -1, set()

    @classmethod
    def like(cls, dataset, folder, *, plan: ShardPlan, reuse=(), feature_dims, with_length: bool = False,
             attrs=None) -> ShardedWriter:
        """A writer with the metadata layout of ``dataset`` (as :meth:`DataSetWriter.like`)."""
        template = DataSetWriter.like(dataset, folder, feature_dims=feature_dims, with_length=with_length, attrs=attrs)
        options = {k: getattr(template, k) for k in ("feature_dims", "num_folds", "label_map", "with_nominal",
                                                     "with_numeric", "with_partition", "with_length", "attrs")}
        return cls(folder, plan=plan, reuse=reuse, **options)

    append_rows = DataSetWriter.append_rows

    @property
    def chunk_rows(self) -> int:
        """Instances per HDF5 chunk of the features (append in multiples of it for speed)."""
        return DataSetWriter(self.path, feature_dims=self.feature_dims).chunk_rows

    def __enter__(self):
        make_folder(self.path)
        (self.path / MANIFEST).unlink(missing_ok=True)  # the folder is incomplete until the manifest is back
        for k in sorted(self.reuse):
            self._check_reused(k)
        return self

    def _check_reused(self, k: int) -> None:
        import netCDF4

        path = self.path / shard_name(k)
        with netCDF4.Dataset(str(path)) as nc:
            dims = {name: len(nc.dimensions[name]) for name in self.feature_dims if name in nc.dimensions}
        if dims != self.feature_dims:
            raise DataSetError(f"{self.path}: shard {path.name} has feature dims {dims}, this run writes "
                               f"{self.feature_dims}: write to a new folder")

    def _open(self, k: int) -> None:
        """Finish the current shard, write empty the planned shards before ``k``, start shard ``k``."""
        if k < self._index or k in self.reuse:
            raise DataSetError(f"{self.path}: rows of shard {shard_name(k)} arrived out of the plan's order")
        self._close_current()
        for j in range(self._index + 1, k):
            if j not in self.reuse:
                self._start(j)
                self._close_current()
        self._start(k)

    def _start(self, k: int) -> None:
        options = dict(self.options, attrs={**self.options.get("attrs", {}), **self.plan.shard_attrs(k)})
        self._current = self.writer_class(self.path / shard_name(k), **options).__enter__()
        self._index = k

    def _close_current(self, exc_info=(None, None, None)) -> None:
        current, self._current = self._current, None
        if current is not None:
            current.__exit__(*exc_info)
            if exc_info[0] is None:
                self._done.add(self._index)

    def _runs(self, filenames):
        """``(a, b)`` of every run of rows ``a:b`` of one shard, with that shard's writer current."""
        names = [str(n) for n in filenames]
        try:
            shards = np.array([self.plan.shard_of[n] for n in names], np.int64)
        except KeyError as exc:
            raise DataSetError(f"{self.path}: file {exc.args[0]!r} is not in the shard plan") from None
        starts = np.concatenate([[0], np.flatnonzero(np.diff(shards)) + 1, [len(names)]]).astype(int)
        for a, b in zip(starts[:-1], starts[1:]):
            if a == b or shards[a] in self.reuse:  # rows of a complete shard (encoded again elsewhere): kept as is
                continue
            if shards[a] != self._index:
                self._open(int(shards[a]))
            yield int(a), int(b)
            self.num_written += b - a

    def append(self, *, features, filenames, **columns) -> None:
        """Append rows (arguments as :meth:`DataSetWriter.append`), each to its file's shard."""
        names = [str(n) for n in filenames]
        for a, b in self._runs(names):
            part = {k: None if v is None else v[a:b] for k, v in columns.items()}
            self._current.append(features=np.asarray(features)[a:b], filenames=names[a:b], **part)

    def add(self, rows) -> None:
        """Add a dataclass of row arrays with a ``files`` field (``audeep extract``'s ``Rows``) to the shards."""
        for a, b in self._runs(rows.files):
            self._current.add(type(rows)(*(getattr(rows, f.name)[a:b] for f in dataclasses.fields(rows))))

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self._close_current((exc_type, exc, tb))
            return
        self._close_current()
        for k in range(self.plan.num_shards):
            if k not in self.reuse and k not in self._done:
                self._start(k)
                self._close_current()
        self._write_manifest()

    def _write_manifest(self) -> None:
        import netCDF4

        entries = []
        for k in range(self.plan.num_shards):
            path = self.path / shard_name(k)
            with netCDF4.Dataset(str(path)) as nc:
                count = len(nc.dimensions["instance"])
            entries.append({"file": path.name, "instances": count, "bytes": path.stat().st_size})
        label_map = self.options.get("label_map")
        manifest = {"format": FORMAT, "version": VERSION, "unit": self.plan.unit, "shard_size": self.plan.shard_size,
                    "instances": sum(e["instances"] for e in entries), "feature_dims": self.feature_dims,
                    "label_map": dict(label_map) if label_map is not None else None,
                    "num_folds": int(self.options.get("num_folds", 0)), "shards": entries}
        write_text_atomic(self.path / MANIFEST, json.dumps(manifest, indent=1) + "\n")
