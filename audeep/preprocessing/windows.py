"""Spectrogram windows of new recordings, made the way a run's training data was (``audeep extract``).

A run trained on fixed-length clips or on chunks is applied to windows of that length
every ``hop`` seconds; a variable-length run to the whole recording.  Every window is
indexed by its start and end in seconds (the audformat / audinterface segment index).

* fixed length ``L``: a recording of at most ``L`` seconds is one window, cut or padded
  exactly as ``preprocess`` does (centred with ``center_fixed``); a longer one gives the
  whole windows ``[k * hop, k * hop + L)`` that fit; what is left after the last one becomes
  one more window, zero-padded at its end (as ``fixed_length`` pads), if it holds at least
  half a window (``L / 2``), and is dropped otherwise, the windows then being shifted by half
  of it with ``center_fixed`` (a clip a little longer than ``L`` is cut as ``preprocess``
  cuts it: ESC-10's 5.001 s clips give one 5 s window each);
* chunks of ``C`` seconds: the whole recording's spectrogram (after ``fixed_length`` for
  recordings no longer than it) is cut into windows of the chunk's frames every ``hop``
  seconds, each scaled by itself, as ``preprocess``'s chunks; only whole windows are kept,
  except that a recording shorter than one chunk gives one window padded with
  :data:`~audeep.preprocessing.extract.PAD_VALUE`;
* variable length: one window, the whole recording.

This module imports neither TensorFlow nor pandas: its functions run in worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from audeep.errors import AudeepError, AudioError, ParameterError
from audeep.preprocessing.audio import fix_length, fuse_channels, read_audio, resample
from audeep.preprocessing.extract import PAD_VALUE, signal_spectrogram
from audeep.preprocessing.options import SpectrogramOptions
from audeep.preprocessing.spectrogram import scale_unit

__all__ = ["Windowing", "Windows", "file_windows", "stored_options", "with_overrides"]


def stored_options(attrs) -> "dict | None":
    """The spectrogram options (and ``sample_rate``) a data set's provenance records, or None.

    Parameters
    ----------
    attrs : mapping
        A data set's attributes; ``parameters`` holds the JSON of ``preprocess``'s
        parameters.  Keys that are not spectrogram options (``basedir``, ``parser``) are left out.

    Returns
    -------
    dict or None
        :class:`SpectrogramOptions` fields plus ``sample_rate`` (Hz of the spectrograms);
        None for a data set that ``preprocess`` did not make (or an older version made).
    """
    import json
    from dataclasses import fields

    try:
        parameters = json.loads(attrs.get("parameters") or "{}")
        names = [f.name for f in fields(SpectrogramOptions)]
        if not isinstance(parameters, dict) or "sample_rate" not in parameters or "window_width" not in parameters:
            return None
        options = SpectrogramOptions.from_kwargs(**{k: v for k, v in parameters.items() if k in names})
        sample_rate = int(parameters["sample_rate"])
    except (ValueError, TypeError, AudeepError):
        return None
    return dict(options.parameters(), sample_rate=sample_rate)


@dataclass(frozen=True)
class Windows:
    """The windows of one recording.

    Attributes
    ----------
    spectrograms : list of ndarray, each (frames, bins) float32
        Scaled to [-1, 1]; padded frames hold ``PAD_VALUE``.
    lengths : ndarray, shape (windows,), int
        Valid frames of each window.
    starts, ends : ndarray, shape (windows,), float
        Seconds of the recording each window covers.
    sample_rate : int
        The recording's own rate (before resampling).
    """

    spectrograms: list
    lengths: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    sample_rate: int


@dataclass(frozen=True)
class Windowing:
    """How recordings become windows for a run.

    Parameters
    ----------
    options : SpectrogramOptions
        The run's options; ``resample`` is its sample rate.
    hop : float, optional
        Seconds between window starts; default the window length (fixed-length and
        chunked runs; a variable-length run ignores it).
    """

    options: SpectrogramOptions
    hop: float | None = None

    def __post_init__(self):
        if self.options.resample is None:
            raise ParameterError("resample: the run's sample rate is needed to make its spectrograms",
                                 parameter="resample")
        if self.hop is not None and not (isinstance(self.hop, (int, float)) and self.hop > 0):
            raise ParameterError(f"hop {self.hop!r}: expected a positive number of seconds", parameter="hop")

    @property
    def sample_rate(self) -> int:
        return int(self.options.resample)

    @property
    def window_seconds(self) -> "float | None":
        """The length of one window (None: the whole recording)."""
        opts = self.options
        return opts.chunk_length if opts.chunked else opts.fixed_length

    def of_signal(self, signal, *, sample_rate: int, name: str = "the recording") -> Windows:
        """The windows of a signal (samples,) or (samples, channels) at ``sample_rate`` Hz.

        Raises
        ------
        AudioError
            An empty or silent recording, one shorter than one FFT window, or one with
            channels the run's channel mode cannot use (naming ``name``).
        """
        data = np.asarray(signal, dtype=np.float32)
        if data.size == 0:
            raise AudioError(f"{name}: the recording contains no samples")
        if not np.isfinite(data).all():
            raise AudioError(f"{name}: the recording contains NaN or infinite samples")
        if not data.any():
            raise AudioError(f"{name}: the recording is silent (every sample is 0)")
        mono = fuse_channels(data, self.options.channels, name=name)
        if int(sample_rate) != self.sample_rate:
            mono = resample(mono.astype(np.float64), int(sample_rate), self.sample_rate)
        if self.options.chunked:
            parts = self._chunks(mono, name)
        elif self.options.fixed_length is not None:
            parts = self._fixed(mono, name)
        else:
            spec = scale_unit(signal_spectrogram(mono, sample_rate=self.sample_rate, options=self.options, name=name))
            parts = [(spec, spec.shape[0], 0, mono.shape[0])]
        rate = float(self.sample_rate)
        return Windows(spectrograms=[p[0].astype(np.float32) for p in parts],
                       lengths=np.array([p[1] for p in parts], np.int32),
                       starts=np.array([p[2] / rate for p in parts]), ends=np.array([p[3] / rate for p in parts]),
                       sample_rate=int(sample_rate))

    def _fixed(self, mono: np.ndarray, name: str) -> list:
        """(spectrogram, frames, start sample, end sample) of each fixed-length window."""
        opts, n = self.options, mono.shape[0]
        size = int(self.sample_rate * opts.fixed_length)
        if n <= size:
            segments = [(fix_length(mono, size, center=opts.center_fixed), 0, n)]
        else:
            hop = max(1, int(self.sample_rate * self.hop)) if self.hop else size
            count = 1 + (n - size) // hop
            rest = n - size - (count - 1) * hop
            if 2 * rest >= size:  # at least half a window left: one more, zero-padded at its end
                offset, count = 0, count + 1
            else:  # dropped; centred, the windows are cut from the middle as preprocess cuts a clip
                offset = rest // 2 if opts.center_fixed else 0
            segments = [(fix_length(mono[offset + k * hop: offset + k * hop + size], size), offset + k * hop,
                         min(offset + k * hop + size, n)) for k in range(count)]
        parts = []
        for segment, start, end in segments:
            spec = scale_unit(signal_spectrogram(segment, sample_rate=self.sample_rate, options=opts, name=name))
            parts.append((spec, spec.shape[0], start, end))
        return parts

    def _chunks(self, mono: np.ndarray, name: str) -> list:
        """(spectrogram, valid frames, start sample, end sample) of each chunk-sized window."""
        opts, n = self.options, mono.shape[0]
        geometry = opts.geometry(self.sample_rate)
        if opts.fixed_length is not None and n <= int(self.sample_rate * opts.fixed_length):
            mono = fix_length(mono, int(self.sample_rate * opts.fixed_length), center=opts.center_fixed)
        spec = signal_spectrogram(mono, sample_rate=self.sample_rate, options=opts, name=name)
        frames = geometry.frames_in(opts.chunk_length)
        hop = max(1, int(self.sample_rate * self.hop) // geometry.step) if self.hop else frames
        total = spec.shape[0]
        if total < frames:
            padded = np.pad(scale_unit(spec), ((0, frames - total), (0, 0)), constant_values=PAD_VALUE)
            return [(padded, total, 0, n)]
        parts = []
        for first in range(0, total - frames + 1, hop):
            end = min((first + frames - 1) * geometry.step + geometry.nperseg, n)
            parts.append((scale_unit(spec[first: first + frames]), frames, first * geometry.step, end))
        return parts


def file_windows(path: str, windowing: Windowing):
    """Worker task: (:class:`Windows`, None) of one file, or (None, its one-line error message)."""
    try:
        data, sample_rate = read_audio(path)
        return windowing.of_signal(data, sample_rate=sample_rate, name=str(path)), None
    except AudeepError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 -- a decoder failure we did not anticipate still names the file
        return None, f"{path}: {type(exc).__name__}: {exc}"


def with_overrides(stored: "dict | None", overrides: dict, *, run: str) -> SpectrogramOptions:
    """The options to apply a run with: its stored ones, then the non-None ``overrides``.

    The run's ``sample_rate`` becomes ``resample`` when the run did not resample.

    Raises
    ------
    ParameterError
        A run without stored preprocessing and no ``resample`` among the overrides.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    if stored is None:
        if "resample" not in given:
            raise ParameterError(f"{run}: the run does not record its preprocessing (trained before audeep "
                                 "recorded it); give the spectrogram options of its training data, with resample",
                                 parameter="resample")
        return SpectrogramOptions.from_kwargs(**given)
    values = {k: v for k, v in stored.items() if k != "sample_rate"}
    if values.get("resample") is None:
        values["resample"] = int(stored["sample_rate"])
    options = SpectrogramOptions.from_kwargs(**values)
    return replace(options, **given) if given else options
