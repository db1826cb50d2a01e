"""One executor interface for per-file work: local worker processes or a Dask cluster.

:func:`open_executor` returns a context manager with ``map(function, items)`` (results in
the order of ``items``, lazily, with bounded look-ahead) and ``jobs`` (how many tasks run at
once): :class:`~audeep.preprocessing.workers.LocalWorkers` without a scheduler, else a
:class:`~audeep.cluster.dask_engine.DaskWorkers` on a running Dask scheduler or on a
``LocalCluster`` started (and stopped) for the command.

Dask is imported only when a scheduler is given.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass

from audeep.errors import ParameterError

__all__ = ["DASK_EXTRA", "Scheduler", "open_executor", "parse_scheduler", "require_dask"]

#: How to install what a scheduler needs.
DASK_EXTRA = 'pip install "audeep[dask]"'

_ADDRESS = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?[^\s/:]+(?::\d{1,5})?$", re.IGNORECASE)


@dataclass(frozen=True)
class Scheduler:
    """Where tasks run: a running Dask scheduler (``address``) or a local cluster of ``local`` processes."""

    text: str
    address: "str | None" = None
    local: "int | None" = None


def parse_scheduler(scheduler) -> "Scheduler | None":
    """The scheduler named by ``scheduler``: None, ``"local:N"`` or an address (``tcp://host:8786``, ``host:8786``).

    Raises
    ------
    ParameterError
        For ``local:`` without a positive number of workers, or text that is not an address.
    """
    if scheduler is None:
        return None
    if isinstance(scheduler, Scheduler):
        return scheduler
    text = str(scheduler).strip()
    if text.lower().startswith("local:"):
        count = text.split(":", 1)[1]
        if not count.isdigit() or int(count) < 1:
            raise ParameterError(f"scheduler {text}: local:N needs a positive number of worker processes N "
                                 "(e.g. local:4)", parameter="scheduler")
        return Scheduler(text, local=int(count))
    if not _ADDRESS.match(text):
        raise ParameterError(f"scheduler {text!r}: expected a Dask scheduler address (tcp://host:8786 or "
                             "host:8786) or local:N", parameter="scheduler")
    return Scheduler(text, address=text)


def require_dask(scheduler: Scheduler) -> None:
    """ParameterError (one line, how to install it) unless Dask distributed can be imported."""
    try:
        importlib.import_module("distributed")
    except ImportError:
        raise ParameterError(f"scheduler {scheduler.text}: needs the dask extra: {DASK_EXTRA}",
                             parameter="scheduler") from None


def open_executor(*, jobs: "int | None" = None, scheduler=None, num_files: int):
    """The executor of ``num_files`` per-file tasks (a context manager; enter it to start the workers).

    Parameters
    ----------
    jobs : int, optional
        Local worker processes without a scheduler (default: all cores).
    scheduler : str, optional
        None (local processes), ``"local:N"`` (a Dask ``LocalCluster`` of N processes, one
        thread each, started and stopped here) or the address of a running Dask scheduler.
    num_files : int
        How many items will be mapped (sizes the batches).

    Raises
    ------
    ParameterError
        A malformed scheduler, or Dask not installed.
    """
    parsed = parse_scheduler(scheduler)
    if parsed is None:
        from audeep.preprocessing.workers import LocalWorkers

        return LocalWorkers(int(jobs or os.cpu_count() or 1), num_files)
    require_dask(parsed)
    from audeep.cluster.dask_engine import DaskWorkers

    return DaskWorkers(parsed, num_files=num_files)
