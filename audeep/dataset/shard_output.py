"""A producer's sharded output: its plan, the shards a re-run keeps, the work left and the writer.

Producers (``preprocess``, ``extract``, ``generate``) call :meth:`ShardedOutput.for_files` or
:meth:`ShardedOutput.for_instances` before any work: the shards already complete in the output
folder (same files, same parameters) are reused, :meth:`ShardedOutput.todo` drops their
items from the work list (their files are not even decoded), and :meth:`ShardedOutput.writer`
is the writer of the rest (:class:`~audeep.dataset.shard_writer.ShardedWriter`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from audeep._atomic import refuse_overwriting_inputs
from audeep.errors import ParameterError

if TYPE_CHECKING:  # the writer (netCDF, the schema) is imported only when shards are written
    from audeep.dataset.shard_writer import ShardedWriter, ShardPlan

__all__ = ["ShardedOutput"]

log = logging.getLogger(__name__)


class ShardedOutput:
    """The shard folder a producer writes, with the shards it reuses.

    Parameters
    ----------
    folder : pathlib.Path
    plan : ShardPlan
    """

    def __init__(self, folder: Path, plan: ShardPlan):
        self.folder, self.plan = folder, plan
        self.reuse = plan.reusable(folder) if folder.is_dir() else set()
        if self.reuse:
            log.info("%s: %d of %d shards are complete and reused", folder, len(self.reuse), plan.num_shards)

    @staticmethod
    def _folder(output, inputs, parameter: str) -> Path:
        if output is None:
            raise ParameterError("shard_size: needs an output folder to write the shards to",
                                 parameter=("shard_size", parameter))
        folder = Path(output)
        if folder.exists() and not folder.is_dir():
            raise ParameterError(f"{parameter} {folder}: is a file; with shard_size the output is a folder of shards",
                                 parameter=parameter)
        refuse_overwriting_inputs(output=folder, inputs=inputs, parameter=parameter, folder=True)
        return folder

    @classmethod
    def for_files(cls, output, filenames, *, shard_size, key: dict, inputs=(), parameter: str = "output",
                  format: str = "netcdf") -> ShardedOutput | None:
        """``shard_size`` files per shard (``preprocess``, ``extract``); None without ``shard_size``.

        Parameters
        ----------
        output : path-like
            The shard folder.
        filenames : sequence of str
            The ``filename`` of every file the producer processes, in its order.
        shard_size : int or None
        key : dict
            The producer's parameters: complete shards written with others are an error.
        inputs : iterable of path-like
            Files the producer reads (the output must not be one).
        format : str
            The output's format: only netCDF outputs can be sharded.
        """
        if shard_size is None:
            return None
        if format != "netcdf":
            raise ParameterError(f"shard_size: only a netCDF output can be sharded, not {format}",
                                 parameter=("shard_size", "format"))
        from audeep.dataset.shard_writer import ShardPlan

        plan = ShardPlan.of_files(filenames, shard_size=shard_size, key=key)
        return cls(cls._folder(output, inputs, parameter), plan)

    @classmethod
    def for_instances(cls, output, dataset, *, shard_size, key: dict,
                      parameter: str = "output") -> ShardedOutput | None:
        """About ``shard_size`` instances of ``dataset`` per shard (``generate``); None without ``shard_size``."""
        if shard_size is None:
            return None
        from audeep.dataset.shard_writer import ShardPlan

        plan = ShardPlan.of_instances(dataset.filenames, shard_size=shard_size, key=key)
        return cls(cls._folder(output, [dataset.path], parameter), plan)

    def todo(self, items) -> list:
        """The items (aligned with the plan's files, one per file) whose shard is not reused."""
        return [item for k, item in enumerate(items) if k // self.plan.shard_size not in self.reuse]

    def todo_rows(self, filenames) -> np.ndarray:
        """Indices of the instances (``filenames``, one per instance) whose shard is not reused."""
        shard_of = self.plan.shard_of
        return np.flatnonzero([shard_of[str(n)] not in self.reuse for n in filenames])

    def writer(self, folder, **options) -> ShardedWriter:
        """The writer of the shards not reused (``options`` as :class:`ShardedWriter`'s)."""
        from audeep.dataset.shard_writer import ShardedWriter

        return ShardedWriter(folder, plan=self.plan, reuse=self.reuse, **options)

    def like(self, dataset, folder, **options) -> ShardedWriter:
        """The writer of the shards not reused, with the layout of ``dataset`` (as ``DataSetWriter.like``)."""
        from audeep.dataset.shard_writer import ShardedWriter

        return ShardedWriter.like(dataset, folder, plan=self.plan, reuse=self.reuse, **options)

    def instances(self, written: int) -> int:
        """All instances of the output: ``written`` now plus those of the reused shards."""
        from audeep.dataset.shards import shard_name

        import netCDF4

        total = written
        for k in self.reuse:
            with netCDF4.Dataset(str(self.folder / shard_name(k))) as nc:
                total += len(nc.dimensions["instance"])
        return total
