"""The local executor of extraction: per-file tasks in worker processes, results in file order.

:class:`LocalWorkers` maps a picklable function over items in a pool of processes (or in
this process for one job or few files).  Forked workers inherit the decoder, the FFT module
and the one-thread BLAS limit, so they start at once; a process that has loaded TensorFlow
starts fresh ones instead (its threads must not be forked).
"""

from __future__ import annotations

import multiprocessing
import sys

__all__ = ["LocalWorkers"]


def _single_threaded_blas():
    """Limit BLAS to one thread: one file per process is the parallelism (threads oversubscribe the cores)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    return threadpool_limits(limits=1)


def _init_worker(limit_blas: bool) -> None:
    """Worker set-up: big arrays from the heap, not fresh pages, and (unless inherited) one BLAS thread."""
    _keep_freed_memory()
    if limit_blas:
        _single_threaded_blas()


def _keep_freed_memory() -> None:
    """Tell glibc's malloc to reuse freed blocks of up to 32 MiB instead of unmapping them.

    Each file allocates several arrays of about 1 MB; by default each is a fresh mapping
    whose pages the kernel must zero on first touch (12 % of a worker's time on ESC-10).
    Only worker processes do this; elsewhere (not glibc) it does nothing.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


def _pool_context():
    # fork is cheapest; a process that has loaded TensorFlow must not fork (its threads)
    if "fork" in multiprocessing.get_all_start_methods() and "tensorflow" not in sys.modules:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods()
                                      else "spawn")
    return ctx


class LocalWorkers:
    """Runs per-file tasks in order, in worker processes or (one job) here.

    Tasks queued one after another (e.g. header reading, then spectrograms) run back to back,
    so the workers never wait for the caller's planning.

    Parameters
    ----------
    jobs : int
        Worker processes; fewer than 4 files or one job run here, without a pool.
    num_files : int
        How many items will be mapped (sets the pool's chunk size).
    """

    def __init__(self, jobs: int, num_files: int):
        self.jobs = jobs if jobs > 1 and num_files >= 4 else 1
        self.chunksize = max(1, min(8, num_files // (4 * self.jobs)))
        self._pool = None
        self._limits = None

    def __enter__(self) -> LocalWorkers:  # noqa: PYI034 (Self needs Python 3.11)
        import scipy.fft  # noqa: F401  (imported once, before forking)
        import soundfile  # noqa: F401

        self._limits = _single_threaded_blas()
        if self.jobs > 1:
            ctx = _pool_context()
            forked = ctx.get_start_method() == "fork"
            self._pool = ctx.Pool(self.jobs, initializer=_init_worker, initargs=(not forked,))
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._pool is not None:
                self._pool.terminate() if exc[0] is not None else self._pool.close()
                self._pool.join()
        finally:
            if self._limits is not None:
                self._limits.restore_original_limits()

    def map(self, function, items):
        """An iterator of ``function(item)`` in the order of ``items`` (lazy, started at once)."""
        if self._pool is None:
            return map(function, items)
        return self._pool.imap(function, items, chunksize=self.chunksize)
