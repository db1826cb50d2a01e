"""Per-file work on a Dask cluster: the Dask side of :func:`audeep.cluster.executors.open_executor`.

:class:`DaskWorkers` has the ``map`` contract of
:class:`~audeep.preprocessing.workers.LocalWorkers`: items go to the workers in batches (one
task each), a bounded number of batches is in flight per ``map``, and results come back in
the order of the items.  A task lost with its worker is run again by Dask on another one; the
results are keyed by batch, so nothing is lost or repeated.  Worker processes keep what they
load (a model, a data set) in :func:`process_cache` for the tasks that follow.

This module imports ``distributed``: import it only when a scheduler is given.
"""

from __future__ import annotations

import collections
import itertools
import logging
import math
import threading
import uuid

from audeep.errors import ParameterError

__all__ = ["CONNECT_TIMEOUT", "DaskWorkers", "process_cache", "run_batch"]

log = logging.getLogger(__name__)

#: Seconds to wait for a scheduler to answer (and for its first worker).
CONNECT_TIMEOUT = 10.0

_PREPARED: dict = {}
_CACHE: collections.OrderedDict = collections.OrderedDict()
_CACHE_LOCK = threading.Lock()
#: things kept per worker process (models, open data sets); the least recently used goes first
_CACHE_SIZE = 4


def _prepare_process() -> None:
    """Once per worker process: quiet TensorFlow start-up, one BLAS thread, freed memory kept for reuse."""
    if _PREPARED:
        return
    from audeep._tensorflow import quiet_tensorflow_import
    from audeep.preprocessing.workers import _keep_freed_memory, _single_threaded_blas

    quiet_tensorflow_import()
    logging.getLogger("tensorflow").setLevel(logging.ERROR)  # AutoGraph's notes, once per worker
    _keep_freed_memory()
    _PREPARED["blas"] = _single_threaded_blas()


def run_batch(function, items) -> list:
    """A task: ``[function(item) for item in items]`` in a prepared worker process."""
    _prepare_process()
    return [function(item) for item in items]


def process_cache(key, factory):
    """What ``factory()`` made for ``key`` earlier in this process (made now the first time).

    Worker tasks load a model or open a data set once per process through this.
    """
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = factory()
            while len(_CACHE) > _CACHE_SIZE:
                _, old = _CACHE.popitem(last=False)
                if hasattr(old, "close"):
                    old.close()
        _CACHE.move_to_end(key)
        return _CACHE[key]


class DaskWorkers:
    """Runs per-file tasks in batches on a Dask cluster; results in order.

    Parameters
    ----------
    scheduler : audeep.cluster.executors.Scheduler
        A running scheduler's address, or the size of a local cluster to start.
    num_files : int
        How many items a ``map`` will take (sizes the batches).
    """

    #: batches in flight per worker thread and ``map``
    AHEAD = 2
    #: the largest batch (items per task)
    MAX_BATCH = 32
    #: batches per worker thread the items are cut into, at least (balance at the end)
    SPREAD = 4

    def __init__(self, scheduler, *, num_files: int):
        self.scheduler = scheduler
        self.num_files = num_files
        self.client = None
        self.jobs = 1
        self._cluster = None
        self._futures: set = set()
        self._order = itertools.count()
        self._name = uuid.uuid4().hex[:8]

    def __enter__(self) -> DaskWorkers:  # noqa: PYI034 (Self needs Python 3.11)
        try:
            self._connect()
        except BaseException:
            self._close()
            raise
        return self

    def _connect(self) -> None:
        from distributed import Client

        logging.getLogger("distributed").setLevel(logging.ERROR)  # its INFO records are a screenful per run
        if self.scheduler.local is not None:
            from distributed import LocalCluster

            # dashboard_address=":0": a free port (None still binds the HTTP server to 8787)
            self._cluster = LocalCluster(n_workers=self.scheduler.local, processes=True, threads_per_worker=1,
                                         dashboard_address=":0", silence_logs=logging.CRITICAL)
            self.client = Client(self._cluster, set_as_default=False)
        else:
            try:
                self.client = Client(self.scheduler.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:  # ValueError: a scheme Dask does not know
                raise ParameterError(f"scheduler {self.scheduler.text}: no Dask scheduler answers there within "
                                     f"{CONNECT_TIMEOUT:g} s ({type(exc).__name__})", parameter="scheduler") from None
            try:
                self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError):
                raise ParameterError(f"scheduler {self.scheduler.text}: has no workers (start some with "
                                     f"dask worker {self.scheduler.text})", parameter="scheduler") from None
        self.jobs = max(1, sum(self.client.nthreads().values()))
        log.info("Dask scheduler %s: %d worker threads", self.client.scheduler.address, self.jobs)

    def __exit__(self, *exc) -> None:
        self._close()

    def _close(self) -> None:
        """Cancel what is left, close the client and (if started here) the cluster."""
        try:
            if self.client is not None and self._futures:
                self.client.cancel(list(self._futures), force=True)
        except Exception as exc:  # noqa: BLE001 -- closing anyway
            log.debug("cancelling Dask tasks: %s", exc)
        finally:
            self._futures.clear()
            for closable in (self.client, self._cluster):
                if closable is not None:
                    try:
                        closable.close()
                    except Exception as exc:  # noqa: BLE001 -- a scheduler gone already
                        log.debug("closing %s: %s", type(closable).__name__, exc)
            self.client = self._cluster = None

    def batch_size(self, count: int) -> int:
        """Items per task for ``count`` items: at least :attr:`SPREAD` tasks per worker thread, at most
        :attr:`MAX_BATCH` items each."""
        return max(1, min(self.MAX_BATCH, math.ceil(count / (self.jobs * self.SPREAD))))

    def submit(self, function, *args, **kwargs):
        """One task, run before those submitted after it; its future is cancelled on exit unless released."""
        future = self.client.submit(function, *args, key=f"audeep-{self._name}-{next(self._order)}",
                                    priority=-next(self._order), pure=False, **kwargs)
        self._futures.add(future)
        return future

    def release(self, future) -> None:
        """Forget ``future`` (its result was taken)."""
        self._futures.discard(future)
        future.release()

    def map(self, function, items):
        """An iterator of ``function(item)`` in the order of ``items`` (the first batches start at once)."""
        items = list(items)
        size = self.batch_size(len(items))
        batches = [items[i:i + size] for i in range(0, len(items), size)]
        return self.ordered((run_batch, function, batch) for batch in batches)

    def ordered(self, tasks, *, flatten: bool = True):
        """Results of ``(function, *args)`` tasks in order, at most ``AHEAD * jobs`` in flight (started at once).

        With ``flatten``, each task returns a list whose items are yielded one by one.
        """
        tasks = iter(tasks)
        flight = collections.deque()

        def fill():
            while len(flight) < self.AHEAD * self.jobs:
                task = next(tasks, None)
                if task is None:
                    return
                flight.append(self.submit(*task))

        fill()

        def results():
            while flight:
                future = flight.popleft()
                values = future.result()
                self.release(future)
                fill()
                if flatten:
                    yield from values
                else:
                    yield values

        return results()

