"""Spectrogram extraction: audio collection -> netCDF data set (``audeep preprocess``).

The driver parses the collection's metadata, reads every file's header to fix the
output shape up front (and to find files that are too short, unreadable, or at a
different sample rate), then computes spectrograms in worker processes and streams
them, in file order, into a :class:`~audeep.dataset.DataSetWriter`.

Variable-length collections (no ``fixed_length``, no chunking) are padded to the
longest clip after the per-spectrogram [-1, 1] scaling, with the value ``-1`` (the
quietest level), and the number of valid frames is stored in the ``length`` variable.
"""

from __future__ import annotations

import collections
import functools
import logging
import multiprocessing
import os
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from audeep.audio import AudioInfo, ChannelMode, audio_info, load_signal, resampled_length
from audeep.errors import AudeepError, AudioError, DataSetError, ParameterError
from audeep.spectrogram import db_spectrogram, frame_sizes, num_frames, scale_unit, split_chunks

__all__ = [
    "PAD_VALUE",
    "PRECISIONS",
    "SpectrogramOptions",
    "FilePlan",
    "ExtractionResult",
    "spectrogram_from_file",
    "file_spectrograms",
    "plan_extraction",
    "run_extraction",
    "extract_spectrograms",
    "pretend_spectrogram",
    "describe_raw",
]

log = logging.getLogger(__name__)

#: Floating types the spectrogram can be computed in (``--precision``); the first is the default.
PRECISIONS = ("float32", "float64")

#: Value of the padded frames of variable-length spectrograms (after scaling to [-1, 1]).
PAD_VALUE = -1.0


@dataclass(frozen=True)
class SpectrogramOptions:
    """Everything that decides how one audio file becomes spectrograms.

    Attributes
    ----------
    window_width, window_overlap : float
        FFT window and overlap in seconds (0.04, 0.02).
    mel_bands : int or None
        Mel bands; ``None`` = linear power spectrogram.
    clip_below, clip_above : float or None
        dB limits relative to the clip's maximum (0 dB).
    channels : ChannelMode
        Channel fusion (MEAN).
    resample : int or None
        Target sample rate in Hz.
    fixed_length : float or None
        Cut or zero-pad every clip to this many seconds.
    center_fixed : bool
        Cut/pad symmetrically instead of at the end.
    chunk_length : float or None
        Seconds per chunk (with ``chunk_count``).
    chunk_count : int or None
        Chunks kept per file; fewer available is an error.
    precision : str
        Arithmetic of the spectrogram up to the mel bank: ``"float32"`` (default; the
        spectrogram computes 2.5x faster) or ``"float64"`` (the original's); the stored
        [-1, 1] features differ by about 1e-5 at most (ESC-10: 1.2e-5, mean 4e-8).
    """

    window_width: float = 0.04
    window_overlap: float = 0.02
    mel_bands: "int | None" = None
    clip_below: "float | None" = None
    clip_above: "float | None" = None
    channels: ChannelMode = ChannelMode.MEAN
    resample: "int | None" = None
    fixed_length: "float | None" = None
    center_fixed: bool = False
    chunk_length: "float | None" = None
    chunk_count: "int | None" = None
    precision: str = "float32"

    @classmethod
    def from_kwargs(cls, **options) -> "SpectrogramOptions":
        """Build and check options from keyword arguments (unknown names are an error)."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(options) - known)
        if unknown:
            raise ParameterError(f"unknown spectrogram options {unknown}: expected some of {sorted(known)}")
        values = {k: v for k, v in options.items() if v is not None or k in ("mel_bands",)}
        if isinstance(values.get("channels"), str):
            name = values["channels"].strip().upper()
            if name not in ChannelMode.__members__:
                raise ParameterError(f"channels {values['channels']!r}: expected one of "
                                     + ", ".join(ChannelMode.__members__))
            values["channels"] = ChannelMode[name]
        opts = cls(**values)
        opts.check()
        return opts

    def check(self) -> None:
        """Raise :class:`ParameterError` on invalid values or combinations."""
        for name in ("window_width", "fixed_length", "chunk_length"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ParameterError(f"--{name.replace('_', '-')} {value}: expected a positive number of seconds")
        if not 0 <= self.window_overlap < self.window_width:
            raise ParameterError(f"--window-overlap {self.window_overlap}: expected 0 <= overlap < window width "
                                 f"{self.window_width}")
        for name in ("mel_bands", "resample", "chunk_count"):
            value = getattr(self, name)
            if value is not None and (int(value) != value or value < 1):
                raise ParameterError(f"--{name.replace('_', '-')} {value}: expected a positive integer")
        if (self.chunk_length is None) != (self.chunk_count is None):
            raise ParameterError("--chunk-length and --chunk-count must be given together")
        if self.precision not in PRECISIONS:
            raise ParameterError(f"--precision {self.precision!r}: expected one of {', '.join(PRECISIONS)}")
        if self.clip_below is not None and self.clip_above is not None and self.clip_below > self.clip_above:
            raise ParameterError(f"--clip-below {self.clip_below} is above --clip-above {self.clip_above}")

    @property
    def chunked(self) -> bool:
        return self.chunk_count is not None

    @property
    def variable_length(self) -> bool:
        """True when clips keep their own lengths (padded, with a ``length`` variable)."""
        return self.fixed_length is None and not self.chunked

    def parameters(self) -> dict:
        """JSON-friendly option values (for provenance)."""
        values = asdict(self)
        values["channels"] = self.channels.name
        return values


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
    signal, sr = load_signal(path, channels=options.channels, resample_rate=options.resample,
                             fixed_length=options.fixed_length, center_fixed=options.center_fixed)
    spec = db_spectrogram(signal, sample_rate=sr, window_width=options.window_width,
                          window_overlap=options.window_overlap, mel_bands=options.mel_bands,
                          clip_below=options.clip_below, clip_above=options.clip_above, name=str(path),
                          dtype=np.dtype(options.precision))
    if options.chunked:
        _, _, step = frame_sizes(sample_rate=sr, window_width=options.window_width,
                                 window_overlap=options.window_overlap)
        chunks = split_chunks(spec, frames_per_chunk=int(sr * options.chunk_length) // step,
                              chunk_count=int(options.chunk_count), name=str(path))
    else:
        chunks = spec[None]
    if scale:
        chunks = scale_unit(chunks)
    return chunks.astype(np.float32)


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


# ----------------------------------------------------------------------------------
# planning: headers -> output shape, bad files
# ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FilePlan:
    """Shape of an extraction, known before any audio is decoded.

    Attributes
    ----------
    instances : list of InstanceMetadata
        The files to process, in order.
    bad : list of (str, str)
        Files that cannot be processed and why (path, message).
    sample_rate : int
    frames : int
        Time steps of every stored spectrogram (the longest clip's when variable).
    bins : int
        Frequency bins (mel bands or FFT bins).
    chunks : int
        Chunks per file (1 without chunking).
    """

    instances: list
    bad: list
    sample_rate: int
    frames: int
    bins: int
    chunks: int


def _header(path) -> "AudioInfo | str":
    """A file's header, or why it cannot be read (a picklable worker task)."""
    try:
        return audio_info(path)
    except AudeepError as exc:
        return str(exc)


def plan_extraction(instances, options: SpectrogramOptions, *, headers=None) -> FilePlan:
    """Read every file's header and work out the output shape and the bad files.

    Parameters
    ----------
    instances : list of InstanceMetadata
    options : SpectrogramOptions
    headers : iterable, optional
        The files' headers in the order of ``instances``, each an
        :class:`~audeep.audio.AudioInfo` or the message why it cannot be read (as
        read by worker processes); default: read here, one after another.
    """
    if headers is None:
        headers = map(_header, [inst.path for inst in instances])
    infos, bad = [], []
    for inst, info in zip(instances, headers):
        if isinstance(info, str):
            bad.append((str(inst.path), info))
        else:
            infos.append((inst, info))
    by_rate = collections.defaultdict(list)
    for inst, info in infos:
        by_rate[info.sample_rate].append(inst)
    if options.resample is None and len(by_rate) > 1:
        rate = max(by_rate, key=lambda r: len(by_rate[r]))
        for other, members in sorted(by_rate.items()):
            if other != rate:
                bad.extend((str(i.path), f"{i.path}: sample rate {other} Hz differs from the collection's "
                            f"{rate} Hz (use --resample HZ)") for i in members)
        summary = "; ".join(f"{r} Hz: {', '.join(str(i.path) for i in m[:3])}{' ...' if len(m) > 3 else ''}"
                            for r, m in sorted(by_rate.items()))
        log.warning("mixed sample rates (%s)", summary)
        infos = [(i, info) for i, info in infos if info.sample_rate == rate]
    if not infos:
        sample_rate = options.resample or 16000
    else:
        sample_rate = int(options.resample or infos[0][1].sample_rate)
    nperseg, noverlap, step = frame_sizes(sample_rate=sample_rate, window_width=options.window_width,
                                          window_overlap=options.window_overlap)
    good, lengths = [], []
    fpc = int(sample_rate * options.chunk_length) // step if options.chunked else 0
    for inst, info in infos:
        samples = resampled_length(info.frames, info.sample_rate, sample_rate)
        if options.fixed_length is not None:
            samples = int(sample_rate * options.fixed_length)
        count = num_frames(samples, nperseg=nperseg, noverlap=noverlap)
        if count == 0:
            bad.append((str(inst.path), f"{inst.path}: {samples} samples ({samples / sample_rate:.3f} s) are "
                        f"shorter than one window of {nperseg} samples ({options.window_width} s)"))
            continue
        if options.chunked and (fpc < 1 or count // fpc < options.chunk_count):
            bad.append((str(inst.path), f"{inst.path}: {count} frames give {count // fpc if fpc else 0} chunks of "
                        f"{fpc} frames, expected at least {options.chunk_count}"))
            continue
        good.append(inst)
        lengths.append(count)
    bins = int(options.mel_bands) if options.mel_bands else nperseg // 2 + 1
    frames = fpc if options.chunked else max(lengths, default=0)
    order = {str(i.path): k for k, i in enumerate(instances)}
    bad.sort(key=lambda b: order.get(b[0], len(order)))
    return FilePlan(instances=good, bad=bad, sample_rate=sample_rate, frames=frames, bins=bins,
                    chunks=int(options.chunk_count) if options.chunked else 1)


# ----------------------------------------------------------------------------------
# workers
# ----------------------------------------------------------------------------------

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


def _process(path: str, options: SpectrogramOptions):
    """Worker task: (chunks [c, frames, bins] float32, frames) or (None, message)."""
    try:
        chunks = file_spectrograms(path, options)
    except AudeepError as exc:
        return None, str(exc)
    except Exception as exc:  # a decoder failure we did not anticipate still names the file
        return None, f"{path}: {type(exc).__name__}: {exc}"
    return chunks, chunks.shape[1]


def _fit_frames(chunks: np.ndarray, frames: int) -> tuple:
    """Cut or pad (with :data:`PAD_VALUE`) chunks [c, t, bins] to ``frames`` steps; (chunks, valid steps)."""
    valid = chunks.shape[1]
    if valid > frames:
        return chunks[:, :frames], frames
    if valid < frames:
        chunks = np.pad(chunks, ((0, 0), (0, frames - valid), (0, 0)), constant_values=PAD_VALUE)
    return chunks, valid


def _pool_context():
    # fork is cheapest; a process that has loaded TensorFlow must not fork (its threads)
    if "fork" in multiprocessing.get_all_start_methods() and "tensorflow" not in sys.modules:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods()
                                      else "spawn")
    return ctx


class _Workers:
    """Runs per-file tasks in order, in worker processes or (one job) here.

    Forked workers inherit the decoder, the FFT module and the one-thread BLAS limit from
    this process, so they start at once; header reading and spectrograms are queued
    back to back, so the workers never wait for the parent's planning.
    """

    def __init__(self, jobs: int, num_files: int):
        self.jobs = jobs if jobs > 1 and num_files >= 4 else 1
        self.chunksize = max(1, min(8, num_files // (4 * self.jobs)))
        self._pool = None
        self._limits = None

    def __enter__(self) -> "_Workers":
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


# ----------------------------------------------------------------------------------
# the driver
# ----------------------------------------------------------------------------------

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
    output: "Path | None"
    instances: int
    feature_shape: tuple
    num_labels: int
    num_folds: int
    variable_length: bool
    _dataset: object = None

    @property
    def dataset(self):
        if self._dataset is None:
            from audeep.dataset import DataSet

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


def _resolve_instances(basedir, parser):
    from audeep.parsers import get_parser

    basedir = Path(basedir)
    if not basedir.is_dir():
        raise DataSetError(f"--basedir {basedir}: no such folder")
    p = get_parser(parser, basedir)
    p.require()
    instances = list(p.parse())
    if not instances:
        raise DataSetError(f"{basedir}: the {p.name} parser found no audio files")
    seen = collections.Counter(i.filename for i in instances)
    dupes = [name for name, c in seen.items() if c > 1]
    if dupes:
        raise DataSetError(f"{basedir}: instance names must be unique, but {dupes[:3]} occur several times")
    missing = [str(i.path) for i in instances if not Path(i.path).exists()]
    if missing:
        log.warning("%d files named by the metadata do not exist (%s)", len(missing), ", ".join(missing[:3]))
    name = getattr(getattr(p, "chosen", p), "name", type(p).__name__)
    return p, instances, name


def run_extraction(basedir, *, parser=None, output=None, jobs: "int | None" = None,
                   skip_bad_files: bool = False, progress: "bool | None" = None,
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
    skip_bad_files : bool
        Skip files that cannot be processed (listed in the result) instead of failing.
    progress : bool, optional
        Show a progress bar on stderr (default: when stderr is a terminal).
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
    p, instances, parser_name = _resolve_instances(basedir, parser)
    if output is not None:
        output = Path(output)
        folder = output.parent if str(output.parent) else Path(".")
        if not folder.is_dir():
            raise DataSetError(f"--output {output}: the folder {folder} does not exist")
        if output.is_dir():
            raise DataSetError(f"--output {output}: is a folder, expected a file name")
        if not os.access(folder, os.W_OK):
            raise DataSetError(f"--output {output}: the folder {folder} is not writable")
    with _Workers(int(jobs or os.cpu_count() or 1), len(instances)) as workers:
        paths = [str(i.path) for i in instances]
        headers = workers.map(_header, paths)
        spectrograms = workers.map(functools.partial(_process, options=opts), paths)  # queued behind the headers
        plan = plan_extraction(instances, opts, headers=headers)
        skipped = list(plan.bad)
        if skipped and not skip_bad_files:
            raise AudioError(skipped[0][1] + (f" (and {len(skipped) - 1} more bad files; --skip-bad-files skips "
                                              "them)" if len(skipped) > 1 else " (--skip-bad-files skips bad files)"))
        for path, message in skipped:
            log.warning("skipping %s", message)
        if not plan.instances:
            raise DataSetError(f"{basedir}: none of the {len(instances)} files can be processed")
        planned = {id(i) for i in plan.instances}
        results = ((inst, result) for inst, result in zip(instances, spectrograms) if id(inst) in planned)
        result = _write_rows(results, plan=plan, parser=p, parser_name=parser_name, opts=opts, output=output,
                             basedir=basedir, skipped=skipped, skip_bad_files=skip_bad_files, progress=progress,
                             command=command)
    if skipped:
        log.warning("skipped %d bad files: %s", len(skipped), ", ".join(s[0] for s in skipped))
    return result


def _write_rows(results, *, plan: FilePlan, parser, parser_name: str, opts: SpectrogramOptions, output, basedir,
                skipped: list, skip_bad_files: bool, progress, command: str) -> ExtractionResult:
    """Stream ``(instance, (chunks, valid frames))`` results into the output file (or memory)."""
    from tqdm import tqdm

    from audeep.dataset import DataSet, DataSetWriter, provenance_attrs

    label_map = parser.label_map
    labels = [i.label for i in plan.instances]
    with_labels = any(lbl is not None for lbl in labels)
    if with_labels and label_map is None:
        label_map = {name: k for k, name in enumerate(sorted({lbl for lbl in labels if lbl is not None}))}
    if with_labels:
        unknown = sorted({lbl for lbl in labels if lbl is not None and lbl not in label_map})
        if unknown:
            raise DataSetError(f"labels {unknown[:5]} are not in the {parser_name} parser's label map")
    num_folds = int(parser.num_folds)
    wrong = [i.filename for i in plan.instances if len(i.cv_folds) != num_folds]
    if wrong:
        raise DataSetError(f"{wrong[0]} has {len(plan.instances[0].cv_folds)} fold entries, expected {num_folds}")
    with_partition = any(i.partition is not None for i in plan.instances)
    parameters = dict(opts.parameters(), basedir=str(basedir), parser=parser_name,
                      sample_rate=plan.sample_rate)
    attrs = provenance_attrs(command=command, parameters=parameters)
    feature_dims = {"time": plan.frames, "freq": plan.bins}

    def run(target) -> int:
        pending = collections.defaultdict(list)
        written = rows = flushed = 0
        # rows go out a chunk of the output at a time: each chunk is compressed once, as soon as it is full
        per_flush = getattr(target, "chunk_rows", 256)

        def flush():
            if pending:
                target.append(**{k: (np.concatenate(v) if k == "features" else [x for part in v for x in part])
                                 for k, v in pending.items()})
                pending.clear()

        bar = tqdm(total=len(plan.instances), unit="file", file=sys.stderr,
                   disable=(None if progress is None else not progress), desc="spectrograms")
        try:
            for inst, (chunks, valid) in results:
                bar.update(1)
                if chunks is None:
                    if not skip_bad_files:
                        raise AudioError(f"{valid} (--skip-bad-files skips bad files)")
                    log.warning("skipping %s", valid)
                    skipped.append((str(inst.path), valid))
                    continue
                chunks, valid = _fit_frames(chunks, plan.frames)
                c = chunks.shape[0]
                pending["features"].append(chunks)
                pending["filenames"].append([inst.filename] * c)
                pending["chunk_nrs"].append(list(range(c)))
                if with_labels:
                    pending["labels_nominal"].append([inst.label] * c)
                    pending["labels_numeric"].append([-1 if inst.label is None else label_map[inst.label]] * c)
                pending["cv_folds"].append([list(inst.cv_folds)] * c)
                if with_partition:
                    pending["partitions"].append([-1 if inst.partition is None else int(inst.partition)] * c)
                if opts.variable_length:
                    pending["lengths"].append([valid] * c)
                written += 1
                rows += c
                if rows // per_flush > flushed // per_flush:
                    flush()
                    flushed = rows
            flush()
        finally:
            bar.close()
        if written == 0:
            raise DataSetError(f"{basedir}: every file failed; nothing to write")
        return rows

    dataset = None
    if output is not None:
        with DataSetWriter(output, feature_dims=feature_dims, num_folds=num_folds,
                           label_map=label_map if with_labels else None, with_nominal=with_labels,
                           with_numeric=with_labels, with_partition=with_partition,
                           with_length=opts.variable_length, attrs=attrs) as sink:
            rows = run(sink)
    else:
        memory = _MemorySink()
        rows = run(memory)
        folds = memory.joined("cv_folds")
        dataset = DataSet.create(
            features=memory.joined("features"), filenames=memory.joined("filenames"),
            chunk_nrs=memory.joined("chunk_nrs"),
            labels_nominal=memory.joined("labels_nominal") if with_labels else None,
            label_map=label_map if with_labels else None,
            cv_folds=folds.reshape(-1, num_folds).astype(np.int8) if folds is not None else None,
            partitions=memory.joined("partitions") if with_partition else None,
            lengths=memory.joined("lengths") if opts.variable_length else None,
            feature_dims=tuple(feature_dims), attrs=attrs)
    return ExtractionResult(skipped=skipped, parser=parser_name, output=output, instances=rows,
                            feature_shape=(plan.frames, plan.bins), num_labels=len(label_map) if with_labels else 0,
                            num_folds=num_folds, variable_length=opts.variable_length, _dataset=dataset)


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
        ``jobs``, ``skip_bad_files``, ``progress`` and the fields of
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
    _, instances, _ = _resolve_instances(basedir, parser)
    if not 0 <= index < len(instances):
        raise ParameterError(f"--pretend {index}: the collection has {len(instances)} files "
                             f"(0..{len(instances) - 1})")
    inst = instances[index]
    spec = file_spectrograms(inst.path, replace(opts, chunk_length=None, chunk_count=None), scale=False)[0]
    return inst, spec


def describe_raw(basedir, *, parser=None) -> dict:
    """Summary of an audio collection (``inspect raw``): files, labels, folds, durations, rates, channels."""
    p, instances, name = _resolve_instances(basedir, parser)
    infos, bad = [], []
    for inst in instances:
        try:
            infos.append(audio_info(inst.path))
        except AudeepError as exc:
            bad.append(str(exc))
    labels = collections.Counter(i.label for i in instances if i.label is not None)
    parts = collections.Counter(i.partition.name.lower() for i in instances if i.partition is not None)
    durations = [i.duration for i in infos]
    return {
        "basedir": str(basedir),
        "parser": name,
        "files": len(instances),
        "unreadable files": len(bad),
        "labels": len(labels),
        "label names": ", ".join(sorted(labels)),
        "folds": int(p.num_folds),
        "partitions": ", ".join(f"{k}={v}" for k, v in sorted(parts.items())) or "none",
        "min duration (s)": round(min(durations), 3) if durations else None,
        "max duration (s)": round(max(durations), 3) if durations else None,
        "sample rates (Hz)": ", ".join(str(r) for r in sorted({i.sample_rate for i in infos})),
        "channels": ", ".join(str(c) for c in sorted({i.channels for i in infos})),
    }
