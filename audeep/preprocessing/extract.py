"""Spectrogram extraction: audio collection -> data set (``audeep preprocess``).

The driver parses the collection's metadata, plans the output from every file's header
(:mod:`~audeep.preprocessing.plan`: the shape, and the files that are too short, unreadable
or at a different sample rate), then computes spectrograms in local worker processes
(:mod:`~audeep.preprocessing.workers`) and streams them, in file order, into a
:class:`~audeep.dataset.writer.DataSetWriter` (or an in-memory data set).

Variable-length collections (no ``fixed_length``, no chunking) are padded to the
longest clip after the per-spectrogram [-1, 1] scaling, with the value ``-1`` (the
quietest level), and the number of valid frames is stored in the ``length`` variable.
"""

from __future__ import annotations

import collections
import functools
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from audeep._atomic import refuse_overwriting_inputs
from audeep.dataset.shard_output import ShardedOutput
from audeep.errors import AudeepError, AudioError, DataSetError, ParameterError
from audeep.preprocessing.audio import audio_info, load_signal
from audeep.preprocessing.options import SpectrogramOptions
from audeep.preprocessing.parsers import parse_collection
from audeep.preprocessing.plan import FilePlan, plan_extraction, read_header
from audeep.preprocessing.spectrogram import db_spectrogram, scale_unit, split_chunks
from audeep.cluster.executors import open_executor

__all__ = [
    "PAD_VALUE",
    "ExtractionResult",
    "describe_raw",
    "extract_spectrograms",
    "file_spectrograms",
    "pretend_spectrogram",
    "run_extraction",
    "signal_spectrogram",
    "spectrogram_from_file",
]

log = logging.getLogger(__name__)

#: Value of the padded frames of variable-length spectrograms (after scaling to [-1, 1]).
PAD_VALUE = -1.0


def file_spectrograms(path, options: SpectrogramOptions, *, scale: bool = True) -> np.ndarray:
    """Spectrograms of one file: decode, fuse, resample, fix length, dB, clip, chunk, scale.

    Parameters
    ----------
    path : path-like
    options : SpectrogramOptions
    scale : bool
        Scale each spectrogram/chunk into [-1, 1] (otherwise dB values).

    Returns
    -------
    ndarray, shape (chunks, frames, bins), float32
        ``chunks`` is 1 without chunking.

    Raises
    ------
    AudioError
        If the file cannot be decoded, is shorter than one window or has too few chunks.
    """
    signal, sample_rate = load_signal(path, channels=options.channels, resample_rate=options.resample,
                                      fixed_length=options.fixed_length, center_fixed=options.center_fixed)
    spec = signal_spectrogram(signal, sample_rate=sample_rate, options=options, name=str(path))
    if options.chunked:
        chunks = split_chunks(spec, frames_per_chunk=options.geometry(sample_rate).frames_in(options.chunk_length),
                              chunk_count=int(options.chunk_count), name=str(path))
    else:
        chunks = spec[None]
    if scale:
        chunks = scale_unit(chunks)
    return chunks.astype(np.float32)


def signal_spectrogram(signal: np.ndarray, *, sample_rate: int, options: SpectrogramOptions,
                       name: str = "the clip") -> np.ndarray:
    """The dB spectrogram (frames, bins) of a mono signal with the window, mel and clip settings of ``options``."""
    return db_spectrogram(signal, sample_rate=sample_rate, window_width=options.window_width,
                          window_overlap=options.window_overlap, mel_bands=options.mel_bands,
                          clip_below=options.clip_below, clip_above=options.clip_above, name=name,
                          dtype=np.dtype(options.precision))


def spectrogram_from_file(path, *, scale: bool = True, **options) -> np.ndarray:
    """Spectrogram(s) of a single audio file, as ``preprocess`` computes them.

    Parameters
    ----------
    path : path-like
        An audio file.
    scale : bool
        Scale into [-1, 1] (default) or return dB values.
    **options
        Fields of :class:`SpectrogramOptions` (``window_width``, ``mel_bands``, ...).

    Returns
    -------
    ndarray, float32
        Shape (frames, bins); with chunking (chunks, frames, bins).
    """
    opts = SpectrogramOptions.from_kwargs(**options)
    out = file_spectrograms(path, opts, scale=scale)
    return out if opts.chunked else out[0]


def _process(path: str, options: SpectrogramOptions):
    """Worker task: (chunks [c, frames, bins] float32, frames) or (None, (message, parameters it names))."""
    try:
        chunks = file_spectrograms(path, options)
    except AudeepError as exc:
        return None, (str(exc), exc.parameters)
    except Exception as exc:  # noqa: BLE001 -- a decoder failure we did not anticipate still names the file
        return None, (f"{path}: {type(exc).__name__}: {exc}", ())
    return chunks, chunks.shape[1]


def _fit_frames(chunks: np.ndarray, frames: int) -> tuple:
    """Cut or pad (with :data:`PAD_VALUE`) chunks [c, t, bins] to ``frames`` steps; (chunks, valid steps)."""
    valid = chunks.shape[1]
    if valid > frames:
        return chunks[:, :frames], frames
    if valid < frames:
        chunks = np.pad(chunks, ((0, 0), (0, frames - valid), (0, 0)), constant_values=PAD_VALUE)
    return chunks, valid


@dataclass
class ExtractionResult:
    """What :func:`run_extraction` produced.

    Attributes
    ----------
    skipped : list of (str, str)
        Files skipped and why (only with ``skip_bad_files``).
    parser : str
        The parser used.
    output : Path or None
        The data set file written (None: in memory).
    instances : int
        Instances written (files times chunks).
    feature_shape : tuple of int
        ``(time, freq)`` of every instance.
    num_labels, num_folds : int
        Classes in the label map (0 without labels) and cross-validation folds.
    variable_length : bool
        Whether the data set has a ``length`` variable (padded clips).
    dataset : DataSet
        The data set, opened from ``output`` on first access (or in memory).
    """

    skipped: list
    parser: str
    output: Path | None
    instances: int
    feature_shape: tuple
    num_labels: int
    num_folds: int
    variable_length: bool
    _dataset: object = None

    @property
    def dataset(self):
        if self._dataset is None:
            from audeep.dataset.core import DataSet

            self._dataset = DataSet.open(self.output)
        return self._dataset


class _MemorySink:
    """Collects appended rows for an in-memory data set (Python API without an output file)."""

    def __init__(self):
        self.rows = collections.defaultdict(list)

    def append(self, **columns):
        for key, value in columns.items():
            if value is not None:
                self.rows[key].append(np.asarray(value, dtype=object if key in ("filenames", "labels_nominal")
                                                 else None))

    def joined(self, key):
        return np.concatenate(self.rows[key]) if self.rows.get(key) else None


@dataclass(frozen=True)
class _Layout:
    """What every row of the output holds besides its features: labels, folds, partition, length."""

    label_map: dict | None
    num_folds: int
    with_partition: bool
    with_length: bool

    @property
    def with_labels(self) -> bool:
        return self.label_map is not None

    @classmethod
    def of(cls, plan: FilePlan, parser, parser_name: str, opts: SpectrogramOptions) -> _Layout:
        """The layout of ``plan``'s files; DataSetError for labels outside the label map or wrong fold counts."""
        labels = {i.label for i in plan.instances if i.label is not None}
        label_map = parser.label_map if labels else None
        if labels and label_map is None:
            label_map = {name: k for k, name in enumerate(sorted(labels))}
        unknown = sorted(lbl for lbl in labels if lbl not in label_map) if labels else []
        if unknown:
            raise DataSetError(f"labels {unknown[:5]} are not in the {parser_name} parser's label map")
        num_folds = int(parser.num_folds)
        wrong = next((i for i in plan.instances if len(i.cv_folds) != num_folds), None)
        if wrong is not None:
            raise DataSetError(f"{wrong.filename} has {len(wrong.cv_folds)} fold entries, expected {num_folds}")
        return cls(label_map=label_map, num_folds=num_folds, with_length=opts.variable_length,
                   with_partition=any(i.partition is not None for i in plan.instances))


class _Rows:
    """Rows appended to a sink a chunk of the output at a time (each chunk is compressed once, when full)."""

    def __init__(self, sink, layout: _Layout):
        self.sink, self.layout = sink, layout
        self.pending = collections.defaultdict(list)
        self.files = self.count = self._flushed = 0
        self.per_flush = getattr(sink, "chunk_rows", 256)

    def add(self, inst, chunks: np.ndarray, valid: int) -> None:
        """The rows of one file: its chunks [c, frames, bins] and its valid frames."""
        c, layout, pending = chunks.shape[0], self.layout, self.pending
        pending["features"].append(chunks)
        pending["filenames"].append([inst.filename] * c)
        pending["chunk_nrs"].append(list(range(c)))
        if layout.with_labels:
            pending["labels_nominal"].append([inst.label] * c)
            pending["labels_numeric"].append([-1 if inst.label is None else layout.label_map[inst.label]] * c)
        pending["cv_folds"].append([list(inst.cv_folds)] * c)
        if layout.with_partition:
            pending["partitions"].append([-1 if inst.partition is None else int(inst.partition)] * c)
        if layout.with_length:
            pending["lengths"].append([valid] * c)
        self.files += 1
        self.count += c
        if self.count // self.per_flush > self._flushed // self.per_flush:
            self.flush()
            self._flushed = self.count

    def flush(self) -> None:
        if self.pending:
            self.sink.append(**{k: (np.concatenate(v) if k == "features" else [x for part in v for x in part])
                                for k, v in self.pending.items()})
            self.pending.clear()


def _stream(results, rows: _Rows, *, plan: FilePlan, skipped: list, skip_bad_files: bool, progress) -> None:
    """Add ``(instance, (chunks, valid frames))`` results to ``rows``, with a progress bar; bad files fail or skip."""
    from audeep._progress import Progress

    bar = Progress(len(plan.instances), unit="file", enabled=progress, desc="spectrograms")
    try:
        for inst, (chunks, valid) in results:
            bar.update(1)
            if chunks is None:
                message, parameters = valid
                if not skip_bad_files:
                    raise AudioError(f"{message} (skip_bad_files skips bad files)",
                                     parameter=("skip_bad_files", *parameters))
                log.warning("skipping %s", message)
                skipped.append((str(inst.path), message))
                continue
            rows.add(inst, *_fit_frames(chunks, plan.frames))
        rows.flush()
    finally:
        bar.close()


def _memory_dataset(memory: _MemorySink, layout: _Layout, *, feature_dims: dict, attrs: dict):
    """The in-memory data set of the rows collected in ``memory``."""
    from audeep.dataset.core import DataSet

    folds, filenames = memory.joined("cv_folds"), memory.joined("filenames")
    return DataSet.create(
        features=memory.joined("features"), filenames=filenames,
        chunk_nrs=memory.joined("chunk_nrs"),
        labels_nominal=memory.joined("labels_nominal") if layout.with_labels else None,
        label_map=layout.label_map,
        cv_folds=folds.reshape(len(filenames), layout.num_folds).astype(np.int8) if folds is not None else None,
        partitions=memory.joined("partitions") if layout.with_partition else None,
        lengths=memory.joined("lengths") if layout.with_length else None,
        feature_dims=tuple(feature_dims), attrs=attrs)


def _write_rows(results, *, plan: FilePlan, parser, parser_name: str, opts: SpectrogramOptions, output, basedir,
                skipped: list, skip_bad_files: bool, progress, command: str, shards=None) -> ExtractionResult:
    """Stream ``(instance, (chunks, valid frames))`` results into the output file (or memory)."""
    from audeep.dataset.schema import provenance_attrs
    from audeep.dataset.writer import DataSetWriter

    layout = _Layout.of(plan, parser, parser_name, opts)
    parameters = dict(opts.parameters(), basedir=str(basedir), parser=parser_name, sample_rate=plan.sample_rate)
    attrs = provenance_attrs(command=command, parameters=parameters)
    feature_dims = {"time": plan.frames, "freq": plan.bins}
    stream = functools.partial(_stream, results, plan=plan, skipped=skipped, skip_bad_files=skip_bad_files,
                               progress=progress)
    dataset = None
    if output is not None:
        with (shards.writer if shards else DataSetWriter)(
                output, feature_dims=feature_dims, num_folds=layout.num_folds, label_map=layout.label_map,
                with_nominal=layout.with_labels, with_numeric=layout.with_labels,
                with_partition=layout.with_partition, with_length=layout.with_length, attrs=attrs) as sink:
            rows = _Rows(sink, layout)
            stream(rows)
            if rows.files == 0 and not (shards and shards.reuse):
                raise DataSetError(f"{basedir}: every file failed; nothing to write")
    else:
        rows = _Rows(_MemorySink(), layout)
        stream(rows)
        if rows.files == 0:
            raise DataSetError(f"{basedir}: every file failed; nothing to write")
        dataset = _memory_dataset(rows.sink, layout, feature_dims=feature_dims, attrs=attrs)
    return ExtractionResult(skipped=skipped, parser=parser_name, output=output,
                            instances=shards.instances(rows.count) if shards else rows.count,
                            feature_shape=(plan.frames, plan.bins),
                            num_labels=len(layout.label_map) if layout.with_labels else 0,
                            num_folds=layout.num_folds, variable_length=layout.with_length, _dataset=dataset)


def _check_output(output: Path) -> None:
    """DataSetError unless ``output`` names a file in an existing, writable folder."""
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise DataSetError(f"output {output}: the folder {folder} does not exist", parameter="output")
    if output.is_dir():
        raise DataSetError(f"output {output}: is a folder, expected a file name", parameter="output")
    if not os.access(folder, os.W_OK):
        raise DataSetError(f"output {output}: the folder {folder} is not writable", parameter="output")


def _bad_files_error(skipped: list, total: int | None = None) -> AudioError:
    """The error for the first bad file of a run without ``skip_bad_files`` (of ``total`` files)."""
    more = f" (and {len(skipped) - 1} more bad files; skip_bad_files skips them)" if len(skipped) > 1 \
        else " (skip_bad_files skips bad files)"
    if total is not None and len(skipped) == total:  # skipping would leave nothing
        more = f" (and every other file: all {total} files are bad)" if total > 1 else ""
    return AudioError(skipped[0][1] + more, parameter=("skip_bad_files", "resample", "chunk_count", "chunk_length"))


def run_extraction(basedir, *, parser=None, output=None, jobs: int | None = None, scheduler: str | None = None,
                   skip_bad_files: bool = False, progress: bool | None = None, shard_size: int | None = None,
                   command: str = "preprocess", **options) -> ExtractionResult:
    """Extract spectrograms of every file of a collection into a data set.

    Parameters
    ----------
    basedir : path-like
        The collection's root folder.
    parser : str, Parser class or instance, optional
        Default: auto-detection (``meta``).
    output : path-like, optional
        netCDF file to write (atomically); default: an in-memory data set.
    jobs : int, optional
        Worker processes (default: all cores).
    scheduler : str, optional
        Run the files on Dask instead: ``"local:N"`` or a scheduler's address (see
        :func:`audeep.cluster.open_executor`); the output is the same.
    skip_bad_files : bool
        Skip files that cannot be processed (listed in the result) instead of failing.
    progress : bool, optional
        Show a progress bar on stderr (default: when stderr is a terminal).
    shard_size : int, optional
        Write ``output`` as a folder of shards of this many files (:mod:`audeep.dataset.shards`); a re-run
        keeps the complete shards.
    command : str
        Recorded in the provenance attributes.
    **options
        :class:`SpectrogramOptions` fields.

    Returns
    -------
    ExtractionResult

    Raises
    ------
    AudeepError
        Bad options, an unparseable folder, or (without ``skip_bad_files``) the first
        bad file, named; no output file is left behind.
    """
    opts = SpectrogramOptions.from_kwargs(**options)
    p, instances, parser_name = parse_collection(basedir, parser=parser)
    shards = ShardedOutput.for_files(output, [i.filename for i in instances], shard_size=shard_size, key=dict(
        opts.parameters(), basedir=str(basedir), parser=parser_name, command=command))
    if output is not None and shards is None:
        output = Path(output)
        _check_output(output)
        refuse_overwriting_inputs(output=output, inputs=[i.path for i in instances])
    with open_executor(jobs=jobs, scheduler=scheduler, num_files=len(instances)) as workers:
        paths = [str(i.path) if scheduler is None else os.path.abspath(i.path) for i in instances]  # any cwd
        headers = workers.map(read_header, paths)
        spectrograms = workers.map(functools.partial(_process, options=opts), shards.todo(paths) if shards else paths)
        plan = plan_extraction(instances, opts, headers=headers)
        skipped = list(plan.bad)
        if skipped and not skip_bad_files:
            raise _bad_files_error(skipped, len(instances))
        for path, message in skipped:
            log.warning("skipping %s", message)
        if not plan.instances:
            raise DataSetError(f"{basedir}: none of the {len(instances)} files can be processed; the first: "
                               f"{skipped[0][1]}", parameter=("chunk_count", "chunk_length"))
        planned = {id(i) for i in plan.instances}
        results = ((inst, result) for inst, result in zip(shards.todo(instances) if shards else instances, spectrograms)
                   if id(inst) in planned)
        result = _write_rows(results, plan=plan, parser=p, parser_name=parser_name, opts=opts, output=output,
                             basedir=basedir, skipped=skipped, skip_bad_files=skip_bad_files, progress=progress,
                             command=command, shards=shards)
    if skipped:
        log.warning("skipped %d bad files: %s", len(skipped), ", ".join(s[0] for s in skipped))
    return result


def extract_spectrograms(basedir, *, parser=None, output=None, **options):
    """Spectrograms of an audio collection as a data set (Python API of ``audeep preprocess``).

    Parameters
    ----------
    basedir : path-like
        The collection's root folder.
    parser : str, Parser class or instance, optional
        A parser name (``esc``, ``csv``, ...), ``file.py:Class``, or a parser; default
        auto-detection.
    output : path-like, optional
        Write the data set to this netCDF file (atomically) and return it opened
        lazily; default an in-memory data set.
    **options
        ``jobs``, ``scheduler``, ``skip_bad_files``, ``progress`` and the fields of
        :class:`SpectrogramOptions` (``window_width=0.04``, ``window_overlap=0.02``,
        ``mel_bands``, ``clip_below``, ``clip_above``, ``channels``, ``resample``,
        ``fixed_length``, ``center_fixed``, ``chunk_length``, ``chunk_count``).

    Returns
    -------
    DataSet
        Features of shape (instances, time, freq).
    """
    return run_extraction(basedir, parser=parser, output=output, **options).dataset


def pretend_spectrogram(basedir, index: int, *, parser=None, **options) -> tuple:
    """The unscaled dB spectrogram of the collection's file number ``index`` (``--pretend``).

    Returns
    -------
    (InstanceMetadata, ndarray of shape (frames, bins))
        The file and its spectrogram in dB (before chunking and scaling).
    """
    opts = SpectrogramOptions.from_kwargs(**options)
    _, instances, _ = parse_collection(basedir, parser=parser)
    if not 0 <= index < len(instances):
        raise ParameterError(f"index {index}: the collection has {len(instances)} files (0..{len(instances) - 1})",
                             parameter="index")
    inst = instances[index]
    spec = file_spectrograms(inst.path, replace(opts, chunk_length=None, chunk_count=None), scale=False)[0]
    return inst, spec


def describe_raw(basedir, *, parser=None) -> dict:
    """Summary of an audio collection (``inspect raw``): files, labels, folds, durations, rates, channels."""
    p, instances, name = parse_collection(basedir, parser=parser)
    infos, bad = [], []
    for inst in instances:
        try:
            infos.append(audio_info(inst.path))
        except AudeepError as exc:
            bad.append(str(exc))
    labels = collections.Counter(i.label for i in instances if i.label is not None)
    ids = p.label_map or {}  # label names in label-id order, as inspect netcdf's classes
    parts = collections.Counter(i.partition.name.lower() for i in instances if i.partition is not None)
    durations = [i.duration for i in infos]
    return {
        "basedir": str(basedir),
        "parser": name,
        "files": len(instances),
        "unreadable files": len(bad),
        "labels": len(labels),
        "label names": ", ".join(sorted(labels, key=lambda n: (ids.get(n, len(labels)), n))),
        "folds": int(p.num_folds),
        "partitions": ", ".join(f"{k}={v}" for k, v in sorted(parts.items())) or "none",
        "min duration (s)": round(min(durations), 3) if durations else None,
        "max duration (s)": round(max(durations), 3) if durations else None,
        "sample rates (Hz)": ", ".join(str(r) for r in sorted({i.sample_rate for i in infos})),
        "channels": ", ".join(str(c) for c in sorted({i.channels for i in infos})),
    }
