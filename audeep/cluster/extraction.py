"""``extract`` on a Dask cluster: workers decode the recordings and encode them with the run's model.

Groups of recordings are decoded into windows by one task each; the windows stay on the
worker, and only their sizes come back.  From those the caller cuts the encoding batches
exactly as the serial path does (:meth:`~audeep.training.extraction.Extractor.iter_rows`:
whole recordings until ``batch_size`` windows, the block shape of
:meth:`~audeep.training.extraction.Extractor.block_shape`), and each batch is encoded by a
task on the windows decoded before (Dask moves them when another worker encodes).  Each
worker process loads the extractor once (:func:`~audeep.cluster.dask_engine.process_cache`).
The batches and block shapes are those of the serial run, so the features are the same.
"""

from __future__ import annotations

import collections
import logging
import os
from dataclasses import dataclass

from audeep.errors import AudioError

__all__ = ["remote_rows"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Job:
    """What a worker needs to load the caller's extractor (picklable)."""

    run_dir: str
    arguments: dict
    factory: object  # the Extractor class (given, so that this module does not import it)
    stamp: tuple  # modification times of the run's files: a changed run is loaded again

    def extractor(self):
        from audeep.cluster.dask_engine import process_cache

        key = ("extractor", self.run_dir, repr(sorted(self.arguments.items())), self.stamp)
        # one intra-op thread: the worker processes are the parallelism
        return process_cache(key, lambda: self.factory(self.run_dir, threads=1, **self.arguments))


def _stamp(run_dir) -> tuple:
    from audeep.training.runs import CONFIG_NAME, list_checkpoints

    paths = [os.path.join(run_dir, CONFIG_NAME), *list_checkpoints(run_dir).values()]
    return tuple(os.stat(p).st_mtime_ns for p in paths)


def _decode(windowing, paths: list) -> list:
    """A task: ``(Windows or None, error)`` of each recording (kept on the worker)."""
    from audeep.cluster.dask_engine import run_batch
    from audeep.preprocessing.windows import file_windows

    return run_batch(lambda path: file_windows(path, windowing), paths)


def _sizes(decoded: list) -> list:
    """A task: ``(frames of each window, sample rate, error)`` of each decoded recording."""
    return [(None, None, error) if windows is None else
            ([s.shape[0] for s in windows.spectrograms], windows.sample_rate, None) for windows, error in decoded]


def _encode(job: _Job, shape: tuple, names: list, groups: list, picks: list):
    """A task: the :class:`~audeep.training.feature_outputs.Rows` of the picked recordings, in a block of ``shape``."""
    pending = [(name, groups[g][i][0]) for name, (g, i) in zip(names, picks)]
    return job.extractor().rows_of(pending, shape)


class _Batch:
    """The recordings of one encoding batch: their names, decoded groups and places in them."""

    def __init__(self):
        self.names, self.groups, self.picks, self.frames = [], [], [], []

    def add(self, name, group, index: int, frames: list) -> None:
        if not self.groups or self.groups[-1] is not group:
            self.groups.append(group)
        self.names.append(name)
        self.picks.append((len(self.groups) - 1, index))
        self.frames.extend(frames)


def remote_rows(executor, extractor, files: list, *, skipped: list, skip_bad_files: bool = False,
                progress: "bool | None" = False):
    """Rows of features of ``files``, a batch at a time, decoded and encoded on ``executor``'s Dask workers.

    The batches are those of :meth:`Extractor.iter_rows`; a bad recording raises
    :class:`~audeep.errors.AudioError` naming it, or with ``skip_bad_files`` is logged and
    added to ``skipped``.
    """
    from audeep._progress import Progress

    job = _Job(run_dir=os.path.abspath(extractor.run_dir), arguments=extractor.arguments, factory=type(extractor),
               stamp=_stamp(extractor.run_dir))
    names = [str(f) for f in files]
    size = executor.batch_size(len(names))
    groups = iter(range(0, len(names), size))
    limit = executor.AHEAD * executor.jobs
    decoding, encoding = collections.deque(), collections.deque()

    def decode_more():
        while len(decoding) < limit and (start := next(groups, None)) is not None:
            paths = [os.path.abspath(n) for n in names[start:start + size]]
            decoded = executor.submit(_decode, extractor.windowing, paths)
            decoding.append((names[start:start + size], decoded, executor.submit(_sizes, decoded)))

    def encode(batch, current):
        shape = extractor.block_shape(batch.frames)
        encoding.append(executor.submit(_encode, job, shape, batch.names, batch.groups, batch.picks))
        for group in batch.groups:  # read by no later batch: the encoding task holds it now
            if group is not current:
                executor.release(group)

    def take():
        future = encoding.popleft()
        rows = future.result()
        executor.release(future)
        return rows

    batch, count = _Batch(), 0
    decode_more()
    with Progress(len(files), desc="features", unit="file", enabled=progress) as bar:
        while decoding:
            group_names, decoded, sizes = decoding.popleft()
            found = sizes.result()
            executor.release(sizes)
            decode_more()
            for index, (name, (frames, rate, error)) in enumerate(zip(group_names, found)):
                bar.update(1)
                if frames is None:
                    _bad(name, error, skipped=skipped, skip_bad_files=skip_bad_files)
                    continue
                extractor._note_rate(rate, name)
                batch.add(name, decoded, index, frames)
                count += len(frames)
                if count >= extractor.batch_size:
                    encode(batch, decoded)
                    batch, count = _Batch(), 0
            if not any(group is decoded for group in batch.groups):
                executor.release(decoded)  # the encoding tasks that need it hold it
            while encoding and (encoding[0].done() or len(encoding) > limit):
                yield take()
        if batch.names:
            encode(batch, None)
        while encoding:
            yield take()


def _bad(name: str, error: str, *, skipped: list, skip_bad_files: bool) -> None:
    """Fail on a bad recording, or (``skip_bad_files``) log it and add it to ``skipped``."""
    if not skip_bad_files:
        raise AudioError(f"{error} (skip_bad_files skips bad files)", parameter="skip_bad_files")
    log.warning("skipping %s", error)
    skipped.append((name, error))
