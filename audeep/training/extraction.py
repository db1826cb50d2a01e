"""Features of new recordings from a trained run (``audeep extract``), with the run's own preprocessing.

:class:`Extractor` loads a run once (its model and the spectrogram options recorded in its
``config.json``) and turns recordings into features: files, folders and globs
(:meth:`Extractor.features`) or an in-memory signal (:meth:`Extractor.features_of`),
returned as a pandas DataFrame indexed by ``file``, ``start`` and ``end`` (seconds) or as
arrays.  :func:`extract_features` drives the command: recordings decoded in worker
processes, one pass, rows streamed into a netCDF, CSV or Parquet output (atomically).
How recordings become windows is described in :mod:`audeep.preprocessing.windows`.

TensorFlow is imported when an :class:`Extractor` is made, not on import.
"""

from __future__ import annotations

import functools
import glob
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from audeep._tensorflow import use_xla
from audeep.dataset.shard_output import ShardedOutput
from audeep.errors import AudioError, DataSetError, ParameterError
from audeep.models.readouts import canonical_readouts
from audeep.preprocessing.audio import AUDIO_EXTENSIONS
from audeep.preprocessing.extract import PAD_VALUE
from audeep.preprocessing.windows import Windowing, file_windows, with_overrides
from audeep.training.feature_outputs import Rows, open_output, output_format
from audeep.training.runs import read_run_config

__all__ = ["ExtractionSummary", "Extractor", "collect_paths", "extract_features", "load_extractor"]

log = logging.getLogger(__name__)

_GLOB_CHARS = set("*?[")


def _scan(folder: Path) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS)


def _list_entries(input_list) -> list:
    """Non-empty, non-comment lines of a text list; relative entries are relative to the list's folder."""
    path = Path(input_list)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"input_list {path}: cannot read it ({exc})", parameter="input_list") from None
    entries = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    return [e if os.path.isabs(e) else str(path.parent / e) for e in entries]


def collect_paths(inputs=(), *, input_list=None) -> tuple:
    """The recordings named by files, folders (scanned recursively for audio suffixes) and globs.

    Parameters
    ----------
    inputs : path-like or sequence of path-like
    input_list : path-like, optional
        A text file with one file, folder or glob per line (``#`` starts a comment).

    Returns
    -------
    (list of Path, list of Path)
        The files in order, without repeats, and the folders that were scanned.

    Raises
    ------
    ParameterError
        An entry that names nothing, or no recording at all.
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    entries = [str(i) for i in inputs] + (_list_entries(input_list) if input_list is not None else [])
    files, folders = [], []
    for entry in entries:
        path = Path(entry)
        matches = [path] if path.exists() else [Path(m) for m in sorted(glob.glob(entry, recursive=True))] \
            if _GLOB_CHARS & set(entry) else []
        if not matches:
            raise ParameterError(f"inputs {entry}: no such file, folder or matching glob", parameter="inputs")
        for match in matches:
            if match.is_dir():
                folders.append(match)
                files.extend(_scan(match))
            else:
                files.append(match)
    files = list(dict.fromkeys(files))
    if not files:
        raise ParameterError(f"inputs {' '.join(entries)}: no audio files found ({', '.join(AUDIO_EXTENSIONS)})",
                             parameter="inputs")
    return files, folders


def _check_output(output: Path, files: list, folders: list, *, folder: bool = False) -> None:
    """ParameterError for an output that is an input or lies inside a scanned folder."""
    from audeep._atomic import refuse_overwriting_inputs

    refuse_overwriting_inputs(output=output, inputs=files, folder=folder)
    target = output.resolve()
    inside = next((f for f in folders if f.resolve() in target.parents), None)
    if inside is not None:
        raise ParameterError(f"output {output}: inside the scanned folder {inside}; write the features elsewhere",
                             parameter="output")


def _output_plan(output, format, inputs, input_list, *, shard_size, key: dict) -> tuple:
    """(output path, format, recordings to process, ShardedOutput or None, number of recordings), checked
    before any work.

    With ``shard_size`` the recordings of complete shards are left out: they are not decoded again.
    """
    output = Path(output)
    fmt = output_format(output, format or ("netcdf" if shard_size is not None else None))
    files, folders = collect_paths(inputs, input_list=input_list)
    _check_output(output, files, folders, folder=shard_size is not None)
    shards = ShardedOutput.for_files(output, [str(f) for f in files], shard_size=shard_size, format=fmt,
                                     key=dict(key, command="extract"))
    return output, fmt, (shards.todo(files) if shards else files), shards, len(files)


@dataclass
class ExtractionSummary:
    """What :func:`extract_features` wrote.

    Attributes
    ----------
    output : Path
    format : str
    files, rows : int
        Recordings and rows (windows) written.
    feature_shape : tuple of int
        The features of one row.
    skipped : list of (str, str)
        Recordings skipped and why (with ``skip_bad_files``).
    """

    output: Path
    format: str
    files: int
    rows: int
    feature_shape: tuple
    skipped: list = field(default_factory=list)


def _decoded(files: list, workers, windowing: Windowing):
    """``(name, (Windows or None, error))`` of every file, decoded by ``workers`` (started at once)."""
    names = [str(f) for f in files]
    return zip(names, workers.map(functools.partial(file_windows, windowing=windowing), names))


class Extractor:
    """A trained run, loaded once, that turns recordings into features with its own preprocessing.

    Parameters
    ----------
    run_dir : path-like
        A run directory (``config.json`` records the spectrogram options of its training data).
    epoch : int, optional
        Checkpoint; default the newest.
    features : str
        What to extract: a read-out specification (see :func:`audeep.training.encode_dataset`).
    hop : float, optional
        Seconds between window starts for fixed-length and chunked runs (default: the
        window length).
    batch_size : int
        Windows encoded together.
    threads : int, optional
        TensorFlow intra-op threads (default: all cores).
    xla : bool
        XLA-compile the encoder (see :func:`audeep.training.features.encode_block`).
    **options
        :class:`~audeep.preprocessing.options.SpectrogramOptions` fields overriding the
        run's (None: the run's value); a run that does not record its preprocessing needs
        them, ``resample`` included.

    Raises
    ------
    ModelError
        A folder that is not a run, or a missing or corrupt checkpoint (naming it).
    ParameterError
        Options the model cannot take (frequency bins) or an unknown feature choice.
    """

    def __init__(self, run_dir, *, epoch: "int | None" = None, features: str = "bottleneck",
                 hop: "float | None" = None, batch_size: int = 256, threads: "int | None" = None,
                 xla: bool = False, **options):
        from audeep._params import positive_int
        from audeep._tensorflow import configure_threads
        from audeep.training.runs import load_autoencoder

        self.run_dir = Path(run_dir)
        #: what a Dask worker needs to load the same extractor (audeep.cluster.extraction)
        self.arguments = dict(options, epoch=epoch, features=features, hop=hop, batch_size=batch_size, xla=xla)
        self.xla = bool(xla)
        config = read_run_config(self.run_dir)
        self.options = with_overrides(config.get("preprocessing"), options, run=str(run_dir))
        self.windowing = Windowing(self.options, hop=hop)
        self.batch_size = positive_int("batch_size", batch_size)
        self.features_kind = canonical_readouts(features)
        time_steps, bins = (int(s) for s in config["training"]["feature_shape"])
        configure_threads(threads if threads is not None else (os.cpu_count() or 1))
        self.model = load_autoencoder(self.run_dir, epoch=epoch)
        made = self.options.mel_bands or self.options.geometry(self.windowing.sample_rate).bins
        if made != bins:
            raise ParameterError(f"mel_bands: these options give {made} frequency bins; the run in {run_dir} was "
                                 f"trained on {bins}", parameter=("mel_bands", "window_width"))
        self.model.check_input_shape((time_steps, bins))
        self.keeps_time = "time" in self.model.feature_dims()
        self.time_steps, self.bins = time_steps, bins
        self.generated_shape = tuple(int(s) for s in self.model.generated_shape((time_steps, bins), features))
        self._rates = set()
        self._batch_rows = {}  # time steps -> rows of the batches encoded so far

    @property
    def sample_rate(self) -> int:
        """The run's sample rate: recordings at other rates are resampled to it."""
        return self.windowing.sample_rate

    @property
    def feature_dims(self) -> dict:
        """Feature dimension name -> size of one row."""
        return dict(zip(self.model.feature_dims(), self.generated_shape))

    def block_shape(self, frames) -> tuple:
        """(rows, time steps) of the block that encodes the next batch, of spectrograms of ``frames`` steps.

        XLA compiles once per batch shape: a last, smaller batch takes the shape of the full ones
        (filled with copies of its first row, dropped after encoding) instead of a second compilation.
        """
        steps = self.time_steps if self.keeps_time else max(self.time_steps, *frames)
        rows = max(len(frames), self._batch_rows.get(steps, 0))
        self._batch_rows[steps] = rows
        return rows, steps

    def _encode(self, spectrograms: list, lengths: np.ndarray, shape: "tuple | None" = None) -> np.ndarray:
        """Features [n, *generated_shape] of spectrograms of any lengths (padded with PAD_VALUE) in a block
        of ``shape`` (rows, steps) (default :meth:`block_shape`)."""
        from audeep.training.features import encode_block

        rows, steps = shape or self.block_shape([s.shape[0] for s in spectrograms])
        n = len(spectrograms)
        block = np.empty((rows, steps, self.bins), np.float32)
        block[:n] = PAD_VALUE
        for i, spec in enumerate(spectrograms):
            block[i, :min(steps, spec.shape[0])] = spec[:steps]
        block[n:] = block[0]
        lengths = np.minimum(np.concatenate([lengths, np.repeat(lengths[:1], rows - n)]), steps).astype(np.int32)
        shape = (steps if self.keeps_time else None, self.bins)
        return encode_block(self.model, block, lengths, features=self.features_kind, shape=shape, xla=self.xla)[:n]

    def warm_up(self, *, compile: bool = True) -> None:
        """Compile the encoder for full batches now (e.g. while workers decode the first recordings).

        Without ``compile``, only the batch shape is fixed (workers encode)."""
        self._batch_rows[self.time_steps] = self.batch_size
        if compile:
            self._encode([np.zeros((self.time_steps, self.bins), np.float32)], np.array([self.time_steps], np.int32))

    def rows_of(self, pending: list, shape: "tuple | None" = None) -> Rows:
        """The rows of ``(name, Windows)`` recordings, encoded together in a block of ``shape`` (rows, steps)."""
        specs = [s for _, w in pending for s in w.spectrograms]
        lengths = np.concatenate([w.lengths for _, w in pending])
        files = [name for name, w in pending for _ in w.spectrograms]
        numbers = np.concatenate([np.arange(len(w.spectrograms)) for _, w in pending])
        return Rows(files, numbers, np.concatenate([w.starts for _, w in pending]),
                    np.concatenate([w.ends for _, w in pending]), self._encode(specs, lengths, shape))

    def _note_rate(self, rate: int, name: str) -> None:
        if rate != self.sample_rate and rate not in self._rates:
            log.info("resampling %d Hz recordings (first: %s) to the run's %d Hz", rate, name, self.sample_rate)
        self._rates.add(rate)

    def iter_rows(self, results, *, skipped: list, skip_bad_files: bool = False, progress: "bool | None" = False,
                  total: "int | None" = None):
        """Rows of features, a batch at a time, from ``(name, (Windows or None, error))`` results.

        A bad recording raises :class:`AudioError` naming it, or with ``skip_bad_files`` is
        logged and added to ``skipped``.
        """
        from audeep._progress import Progress

        pending, count = [], 0
        with Progress(total or 0, desc="features", unit="file", enabled=progress) as bar:
            for name, (windows, error) in results:
                bar.update(1)
                if windows is None:
                    if not skip_bad_files:
                        raise AudioError(f"{error} (skip_bad_files skips bad files)", parameter="skip_bad_files")
                    log.warning("skipping %s", error)
                    skipped.append((name, error))
                    continue
                self._note_rate(windows.sample_rate, name)
                pending.append((name, windows))
                count += len(windows.spectrograms)
                if count >= self.batch_size:
                    yield self.rows_of(pending)
                    pending, count = [], 0
            if pending:
                yield self.rows_of(pending)


    def features(self, paths, *, input_list=None, jobs: int = 1, skip_bad_files: bool = False,
                 as_frame: bool = True, progress: "bool | None" = False, scheduler: "str | None" = None):
        """Features of recordings: files, folders (scanned for audio) or globs.

        Parameters
        ----------
        paths : path-like or sequence of path-like
        input_list : path-like, optional
            A text file naming more recordings, one per line.
        jobs : int
            Worker processes decoding the recordings.
        skip_bad_files : bool
            Leave out recordings that cannot be processed (logged) instead of failing.
        as_frame : bool
            Return a DataFrame (default) or a :class:`~audeep.training.feature_outputs.Rows`
            (``files``, ``starts``, ``ends``, ``features`` arrays).
        scheduler : str, optional
            Decode and encode on Dask workers (``"local:N"`` or a scheduler's address); the
            features are the same.

        Returns
        -------
        pandas.DataFrame
            Index (file, start, end) in seconds, columns ``feature_0, ...``; one row per
            window (fixed-length and chunked runs) or per file (variable-length runs).
        """
        from audeep.cluster.executors import open_executor

        files, _ = collect_paths(paths, input_list=input_list)
        with open_executor(jobs=jobs, scheduler=scheduler, num_files=len(files)) as workers:
            rows = Rows.concat(list(self._stream(files, workers, scheduler=scheduler, skipped=[],
                                                 skip_bad_files=skip_bad_files, progress=progress)),
                               self.generated_shape)
        return rows.frame() if as_frame else rows

    def _stream(self, files: list, workers, *, scheduler, skipped: list, skip_bad_files: bool, progress):
        """Rows of ``files``: decoded by local ``workers`` and encoded here, or (``scheduler``) both on Dask."""
        if scheduler is None:
            return self.iter_rows(_decoded(files, workers, self.windowing), skipped=skipped,
                                  skip_bad_files=skip_bad_files, progress=progress, total=len(files))
        from audeep.cluster.extraction import remote_rows

        return remote_rows(workers, self, files, skipped=skipped, skip_bad_files=skip_bad_files, progress=progress)

    def features_of(self, signal, *, sample_rate: int, name: str = "signal", as_frame: bool = True):
        """Features of an in-memory recording.

        Parameters
        ----------
        signal : array-like, shape (samples,) or (samples, channels)
            Floating samples in [-1, 1].
        sample_rate : int
            Its rate in Hz (resampled to the run's when different).
        name : str
            The ``file`` of its rows.
        as_frame : bool
            DataFrame (default) or :class:`~audeep.training.feature_outputs.Rows`.
        """
        from audeep._params import positive_int

        windows = self.windowing.of_signal(signal, sample_rate=positive_int("sample_rate", sample_rate), name=name)
        rows = Rows.concat(list(self.iter_rows([(name, (windows, None))], skipped=[])), self.generated_shape)
        return rows.frame() if as_frame else rows

    def provenance(self) -> dict:
        """The parameters an output records: run, checkpoint features, windows and spectrogram options."""
        return dict(self.options.parameters(), model_dir=str(self.run_dir), features=self.features_kind,
                    hop=self.windowing.hop, sample_rate=self.sample_rate)


def load_extractor(run_dir, **kwargs) -> Extractor:
    """:class:`Extractor` of a run (the Python API of ``audeep extract``); keywords as its parameters."""
    return Extractor(run_dir, **kwargs)


def extract_features(*, run_dir, inputs=(), output, input_list=None, format: "str | None" = None,
                     features: str = "bottleneck", hop: "float | None" = None, epoch: "int | None" = None,
                     jobs: "int | None" = None, batch_size: int = 256, threads: "int | None" = None,
                     skip_bad_files: bool = False, progress: "bool | None" = None, scheduler: "str | None" = None,
                     shard_size: "int | None" = None, **options) -> ExtractionSummary:
    """Write the features of recordings into one output (netCDF, CSV or Parquet), in one pass.

    Parameters
    ----------
    run_dir : path-like
        The run.
    inputs : sequence of path-like
        Files, folders (scanned recursively for audio suffixes) and globs.
    output : path-like
        The file to write (atomically); its suffix chooses the format unless ``format`` is given.
    input_list : path-like, optional
        A text file naming more inputs, one per line.
    format : {"netcdf", "csv", "parquet"}, optional
    features, hop, epoch, batch_size, **options
        As :class:`Extractor`.
    threads : int, optional
        TensorFlow intra-op threads (default: half the cores when worker processes decode,
        else all cores).
    jobs : int, optional
        Worker processes decoding recordings (default: all cores).
    skip_bad_files : bool
        Leave out (and list) recordings that cannot be processed instead of failing.
    progress : bool, optional
        Progress on stderr: a bar on a terminal, log records otherwise (default); False: none.
    scheduler : str, optional
        Decode and encode on Dask workers (``"local:N"`` or a scheduler's address), each
        loading the model once; the output is the same.
    shard_size : int, optional
        Write ``output`` (netCDF) as shards of this many recordings; a re-run keeps the complete ones.

    Returns
    -------
    ExtractionSummary

    Raises
    ------
    AudeepError
        Bad inputs or options, a folder that is not a run, a missing or corrupt checkpoint,
        an output that is an input or inside a scanned folder, or (without
        ``skip_bad_files``) a bad recording; no output file is left behind.
    """
    from audeep.cluster.executors import open_executor
    from audeep.dataset.schema import provenance_attrs

    key = dict(options, run=str(run_dir), epoch=epoch, features=canonical_readouts(features), hop=hop)
    output, fmt, files, shards, total = _output_plan(output, format, inputs, input_list, shard_size=shard_size, key=key)
    config = read_run_config(run_dir)  # not a run: fail before starting workers
    windowing = Windowing(with_overrides(config.get("preprocessing"), options, run=str(run_dir)), hop=hop)
    skipped, written, count = [], 0, 0
    # the workers start (fork) and decode while TensorFlow and the model load
    with open_executor(jobs=jobs, scheduler=scheduler, num_files=len(files)) as workers:
        results = _decoded(files, workers, windowing) if scheduler is None else None
        if threads is None and scheduler is None and workers.jobs > 1:  # the decoding workers need cores too
            threads = max(1, (os.cpu_count() or 1) // 2)
        extractor = Extractor(run_dir, epoch=epoch, features=features, hop=hop, batch_size=batch_size,
                              threads=threads, xla=use_xla(total), **options)
        if len(files) >= extractor.batch_size:
            extractor.warm_up(compile=scheduler is None)
        attrs = provenance_attrs(command="extract", parameters=extractor.provenance())
        stream = extractor.iter_rows(results, skipped=skipped, skip_bad_files=skip_bad_files, progress=progress,
                                     total=len(files)) if results is not None else \
            extractor._stream(files, workers, scheduler=scheduler, skipped=skipped, skip_bad_files=skip_bad_files,
                              progress=progress)
        with open_output(output, fmt, feature_dims=extractor.feature_dims, attrs=attrs, shards=shards) as sink:
            for rows in stream:
                sink.add(rows)
                written += len(rows.files)
                count += len(dict.fromkeys(rows.files))
            if count == 0 and not (shards and shards.reuse):
                raise DataSetError(f"output {output}: every one of the {len(files)} recordings failed; nothing "
                                   "to write", parameter="output")
    if skipped:
        log.warning("skipped %d bad files: %s", len(skipped), ", ".join(s[0] for s in skipped))
    return ExtractionSummary(output=output, format=fmt, files=count, rows=written,
                             feature_shape=extractor.generated_shape, skipped=skipped)
