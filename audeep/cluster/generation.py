"""``generate`` on a Dask cluster: batches of rows of the input file, encoded by the workers.

A task is a run of consecutive batches (``batch_size`` rows each, as the serial path cuts
them); each worker process opens the data set file and loads the checkpoint once
(:func:`~audeep.cluster.dask_engine.process_cache`), encodes its rows and returns the
features; the caller writes them in order.  The batches are those of the serial path, so
the features are the same, bit for bit.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import numpy as np

from audeep._params import positive_int
from audeep.cluster.executors import open_executor
from audeep.errors import ParameterError

__all__ = ["encoded_batches", "generation_executor"]


def generation_executor(input, dataset, *, scheduler, batch_size: int):
    """A context manager giving the Dask executor for ``dataset``'s batches, or None without a scheduler.

    Parameters
    ----------
    input : DataSet or path-like
        What the caller was given: with a scheduler, a file name (the workers open the file).
    dataset : DataSet
        ``input`` opened.

    Raises
    ------
    ParameterError
        A data set object (in memory, or a selection of a file), or a bad scheduler.
    """
    if scheduler is None:
        return contextlib.nullcontext()
    if not isinstance(input, (str, os.PathLike)):
        raise ParameterError(f"input {type(input).__name__}: Dask workers open the data set from its file; give "
                             "the file name (a data set in memory or a selection: save it to a file first)",
                             parameter="input")
    batches = -(-dataset.num_instances // positive_int("batch_size", batch_size))
    return open_executor(scheduler=scheduler, num_files=batches)


@dataclass(frozen=True)
class _Job:
    """What a worker needs to encode rows: the data set file, the checkpoint, the choices (picklable)."""

    path: str
    run_dir: str
    epoch: int
    kind: "str | None"
    features: str
    batch_size: int
    threads: "int | None"
    stamp: tuple  # modification times: a file rewritten under the same name is opened again
    encode: object  # audeep.training.features.encode_rows (given, so that this module does not import it)

    def dataset(self):
        from audeep.cluster.dask_engine import process_cache
        from audeep.dataset.core import DataSet

        return process_cache(("dataset", self.path, self.stamp), lambda: DataSet.open(self.path))

    def model(self):
        from audeep.cluster.dask_engine import process_cache

        return process_cache(("model", self.run_dir, self.epoch, self.kind, self.stamp), self._load)

    def _load(self):
        from audeep._tensorflow import configure_threads
        from audeep.training.runs import load_autoencoder

        configure_threads(self.threads or 1)  # one intra-op thread by default: the worker processes are the parallelism
        return load_autoencoder(self.run_dir, epoch=self.epoch, kind=self.kind)


def _mtime(path) -> int:
    """The modification time of ``path`` in ns (0 for what is no file, e.g. a glob of shards)."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _encode_batches(job: _Job, batches: list) -> list:
    """A task: the features of each batch of rows of the file (a list of arrays)."""
    dataset, model = job.dataset(), job.model()
    return [job.encode(model, dataset, rows, dataset.load_features(rows), features=job.features) for rows in batches]


def encoded_batches(executor, dataset, *, run_dir, epoch: int, kind, batch_size: int, features: str, threads,
                    encode):
    """A function of instance indices (None: all) giving ``(rows, features)`` of every batch of them, in order,
    encoded on ``executor``'s workers; ``rows`` are positions among the indices.

    ``encode(model, dataset, rows, block, features=...)`` encodes one batch
    (:func:`audeep.training.features.encode_rows`).  None without an executor (the caller
    encodes itself).
    """
    if executor is None:
        return None
    from audeep.training.runs import checkpoint_path

    path = os.path.abspath(dataset.path)
    checkpoint = checkpoint_path(run_dir, epoch)
    job = _Job(path=path, run_dir=os.path.abspath(run_dir), epoch=int(epoch), kind=kind, features=features,
               batch_size=int(batch_size), threads=threads, encode=encode,
               stamp=(_mtime(path), _mtime(checkpoint)))

    def encoded(indices=None):
        indices = np.arange(dataset.num_instances) if indices is None else np.asarray(indices, np.int64)
        starts = list(range(0, len(indices), job.batch_size))
        per_task = executor.batch_size(len(starts))
        tasks = ((_encode_batches, job, [indices[s:s + job.batch_size] for s in starts[i:i + per_task]])
                 for i in range(0, len(starts), per_task))
        return ((np.arange(start, min(start + job.batch_size, len(indices))), values)
                for start, values in zip(starts, executor.ordered(tasks)))

    return encoded
