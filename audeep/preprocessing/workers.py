"""The local executor of extraction: per-file tasks in worker processes, results in file order.

:class:`LocalWorkers` maps a picklable function over items in worker processes (or in
this process for one job or few files).  Forked workers inherit the decoder, the FFT module
and the one-thread BLAS limit, so they start at once; a process that has loaded TensorFlow
starts fresh ones instead (its threads must not be forked).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import multiprocessing
import os
import sys
import threading

__all__ = ["LocalWorkers"]


def _single_threaded_blas():
    """Limit BLAS to one thread: one file per process is the parallelism (threads oversubscribe the cores)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return None
    return threadpool_limits(limits=1)


def _init_worker(limit_blas: bool, parent: "int | None") -> None:
    """Worker set-up: quiet ends, big arrays from the heap, not fresh pages, and (unless inherited) one BLAS thread."""
    _quiet_ends(parent)
    _keep_freed_memory()
    if limit_blas:
        _single_threaded_blas()


def _quiet_ends(parent: "int | None") -> None:
    """Make a worker end without a word when its parent is interrupted or dies.

    Ctrl-C reaches the whole process group: the parent handles it (it kills the workers),
    so workers ignore SIGINT; SIGTERM and SIGHUP get their default action back (a forked
    worker inherits the parent's handlers, which raise).  On Linux a worker is killed with
    its parent (``PR_SET_PDEATHSIG``), instead of failing to send results into a closed pipe.

    Parameters
    ----------
    parent : int, optional
        The pid of the process that forked this worker (None: not forked directly by it).
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if parent is not None and os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


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


def _serve(conn, limit_blas: bool, parent: "int | None") -> None:
    """A worker process: run ``(key, function, item)`` tasks from ``conn``, send back ``(key, (ok, value))``."""
    _init_worker(limit_blas, parent)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        key, function, item = task
        try:
            result = (True, function(item))
        except Exception as exc:  # raised in the caller, like a local call
            result = (False, exc)
        try:
            conn.send((key, result))
        except Exception as exc:  # an unpicklable result or error
            conn.send((key, (False, RuntimeError(f"a worker could not return its result: {exc!r}"))))


class _Worker:
    """One worker process and this process's end of its own pipe (no lock is shared with others)."""

    def __init__(self, ctx, limit_blas: bool, parent: "int | None"):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, limit_blas, parent), daemon=True)
        self.process.start()
        child.close()  # so the pipe reports EOF when the worker dies
        self.outstanding = 0


class LocalWorkers:
    """Runs per-file tasks in order, in worker processes or (one job) here.

    Tasks queued one after another (e.g. header reading, then spectrograms) run back to back,
    so the workers never wait for the caller's planning.  Each worker has a pipe of its own,
    served by one thread here that sends tasks and collects results while the caller works:
    when the caller is interrupted, the workers are killed at once, and no lock or half-sent
    message of theirs can block anything (as it can with :class:`multiprocessing.pool.Pool`).

    Parameters
    ----------
    jobs : int
        Worker processes; fewer than 4 files or one job run here, without workers.
    num_files : int
        How many items will be mapped.
    """

    #: tasks sent to one worker ahead (it never waits for this process)
    DEPTH = 2
    #: results kept for the caller, per worker, before no more tasks are sent (bounds the memory)
    AHEAD = 8

    def __init__(self, jobs: int, num_files: int):
        self.jobs = jobs if jobs > 1 and num_files >= 4 else 1
        self._workers: list = []
        self._limits = None
        self._pending: collections.deque = collections.deque()  # (key, function, item), in order
        self._done: dict = {}  # key -> (ok, value), until the caller takes it
        self._jobs = itertools.count()
        self._changed = threading.Condition()
        self._failure = None
        self._closing = False
        self._thread = None

    def __enter__(self) -> LocalWorkers:  # noqa: PYI034 (Self needs Python 3.11)
        import soundfile  # noqa: F401  (imported once, before forking)

        from audeep.preprocessing.fft import load_fft

        load_fft()

        self._limits = _single_threaded_blas()
        if self.jobs > 1:
            ctx = _pool_context()
            forked = ctx.get_start_method() == "fork"
            try:
                for _ in range(self.jobs):
                    self._workers.append(_Worker(ctx, not forked, os.getpid() if forked else None))
            except BaseException:
                self._stop(kill=True)
                raise
            self._thread = threading.Thread(target=self._serve_workers, name="audeep-workers", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._stop(kill=exc[0] is not None)
        finally:
            if self._limits is not None:
                self._limits.restore_original_limits()

    def _stop(self, *, kill: bool) -> None:
        """End the workers: at once (``kill``: interrupted or failed) or after their last task."""
        with self._changed:
            self._closing = True
        for worker in self._workers:
            if kill:
                worker.process.kill()  # its pipe reports EOF: the thread stops waiting for it
        if self._thread is not None:
            self._thread.join()
        for worker in self._workers:
            if not kill:
                with contextlib.suppress(OSError):
                    worker.conn.send(None)
            worker.process.join(None if kill else 10)
            if worker.process.exitcode is None:
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers = []

    def map(self, function, items):
        """An iterator of ``function(item)`` in the order of ``items`` (lazy, started at once)."""
        if not self._workers:
            return map(function, items)
        items = list(items)
        job = next(self._jobs)
        keys = [(job, index) for index in range(len(items))]
        with self._changed:
            self._pending.extend((key, function, item) for key, item in zip(keys, items))
        return self._results(keys)

    def _results(self, keys):
        for key in keys:
            with self._changed:
                while key not in self._done and self._failure is None:
                    self._changed.wait()
                if key not in self._done:
                    raise self._failure
                ok, value = self._done.pop(key)
                self._changed.notify_all()
            if not ok:
                raise value
            yield value

    def _serve_workers(self) -> None:
        """The thread: keep every worker busy and collect results, until closing; a failure goes to the caller."""
        try:
            while self._serve_once():
                pass
        except BaseException as exc:  # a dead worker, or a task that cannot be sent
            with self._changed:
                if not self._closing:
                    self._failure = exc
                self._changed.notify_all()

    def _serve_once(self) -> bool:
        """Send tasks to workers with room, then wait a little for results; False when closing."""
        from multiprocessing.connection import wait

        with self._changed:
            if self._closing:
                return False
            room = len(self._done) < self.AHEAD * len(self._workers) or \
                not any(w.outstanding for w in self._workers)  # the caller waits for a task not sent yet
            for worker in self._workers if room else ():
                while self._pending and worker.outstanding < self.DEPTH:
                    worker.conn.send(self._pending.popleft())
                    worker.outstanding += 1
        busy = {w.conn: w for w in self._workers if w.outstanding}
        for conn in wait(list(busy), timeout=0.05) if busy else wait([], timeout=0.05):
            worker = busy[conn]
            try:
                key, result = conn.recv()
            except (EOFError, OSError):
                worker.process.join(1)
                raise RuntimeError(f"a worker process ended unexpectedly (exit code {worker.process.exitcode})") \
                    from None
            with self._changed:
                worker.outstanding -= 1
                self._done[key] = result
                self._changed.notify_all()
        return True
