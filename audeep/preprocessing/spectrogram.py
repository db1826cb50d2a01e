"""Spectrogram numerics of auDeep, as pure numpy functions (DESIGN.md section 3), and the frame geometry.

The chain, per file (or chunk):

1. :func:`pre_emphasis` ``y[n] = x[n] - 0.95 x[n-1]``;
2. :func:`power_spectrogram`: frames of ``int(sample_rate*width)`` samples every
   ``int(sample_rate*width) - int(sample_rate*overlap)`` samples (:class:`FrameGeometry`; no padding),
   per-frame mean removal,
   periodic Hann window, ``|rfft|**2 / frame length``;
3. optionally :func:`mel_filterbank` (HTK mel scale, unnormalised triangles, peak 1);
4. :func:`power_to_db` relative to the maximum (0 dB), then :func:`clip_db`;
5. chunking (:func:`split_chunks`);
6. :func:`scale_unit` per spectrogram/chunk: subtract the mean, min-max into [-1, 1].

All arrays are time-major: ``[frames, bins]``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from audeep.errors import AudioError, ParameterError

__all__ = [
    "PRE_EMPHASIS",
    "FrameGeometry",
    "clip_db",
    "db_spectrogram",
    "hz_to_mel",
    "mel_filterbank",
    "mel_to_hz",
    "periodic_hann",
    "power_spectrogram",
    "power_to_db",
    "pre_emphasis",
    "scale_unit",
    "split_chunks",
    "unit_peak",
]

log = logging.getLogger(__name__)

#: Pre-emphasis coefficient of the original (always applied, no option).
PRE_EMPHASIS = 0.95


@dataclass(frozen=True)
class FrameGeometry:
    """Where the frames of a spectrogram lie: window and step in samples, frames per signal.

    Parameters
    ----------
    sample_rate : int
        Samples per second.
    window_width, window_overlap : float
        Seconds.

    Attributes
    ----------
    nperseg : int
        Samples per frame, ``int(sample_rate * window_width)``.
    noverlap : int
        Samples shared by consecutive frames, ``int(sample_rate * window_overlap)``.

    Raises
    ------
    ParameterError
        If the window is empty or the overlap is not smaller than the window.
    """

    sample_rate: int
    window_width: float
    window_overlap: float
    nperseg: int = field(init=False)
    noverlap: int = field(init=False)

    def __post_init__(self):
        nperseg = int(self.sample_rate * self.window_width)
        noverlap = int(self.sample_rate * self.window_overlap)
        if nperseg < 1:
            raise ParameterError(f"window_width {self.window_width} s is less than one sample at "
                                 f"{self.sample_rate} Hz", parameter="window_width")
        if noverlap < 0 or noverlap >= nperseg:
            raise ParameterError(
                f"window_overlap {self.window_overlap} s ({noverlap} samples): expected 0 <= overlap < "
                f"window_width {self.window_width} s = {nperseg} samples",
                parameter=("window_overlap", "window_width"))
        object.__setattr__(self, "nperseg", nperseg)
        object.__setattr__(self, "noverlap", noverlap)

    @property
    def step(self) -> int:
        """Samples from one frame's start to the next, ``nperseg - noverlap``."""
        return self.nperseg - self.noverlap

    @property
    def bins(self) -> int:
        """FFT bins of a frame, ``nperseg // 2 + 1``."""
        return self.nperseg // 2 + 1

    def num_frames(self, num_samples: int) -> int:
        """Whole frames in ``num_samples`` samples: ``(N - noverlap) // step``, 0 if N < nperseg."""
        return _whole_frames(num_samples, self.nperseg, self.noverlap)

    def frames_in(self, seconds: float) -> int:
        """Frame steps in ``seconds`` (the frames of one chunk): ``int(sample_rate * seconds) // step``."""
        return int(self.sample_rate * seconds) // self.step

    def too_short(self, num_samples: int, *, name: str) -> str:
        """The message for a signal of ``num_samples`` samples shorter than one window (names ``name``)."""
        return (f"{name}: {num_samples} samples ({num_samples / self.sample_rate:.3f} s) are shorter than "
                f"one window of {self.nperseg} samples ({self.window_width} s)")


def _whole_frames(num_samples: int, nperseg: int, noverlap: int) -> int:
    if num_samples < nperseg:
        return 0
    return (num_samples - noverlap) // (nperseg - noverlap)


def pre_emphasis(signal: np.ndarray, coefficient: float = PRE_EMPHASIS, *, dtype=np.float64) -> np.ndarray:
    """Pre-emphasis filter ``y[0] = x[0]``, ``y[n] = x[n] - c x[n-1]``.

    Parameters
    ----------
    signal : ndarray, shape (samples,)
    coefficient : float
    dtype : numpy dtype
        Floating type of the computation and result (float64 or float32).

    Returns
    -------
    ndarray, shape (samples,), ``dtype``
    """
    x = np.asarray(signal, dtype=dtype)
    out = np.empty_like(x)
    if x.size:
        out[0] = x[0]
        np.multiply(x[:-1], -coefficient, out=out[1:])
        out[1:] += x[1:]
    return out


@lru_cache(maxsize=16)
def periodic_hann(length: int, dtype=np.float64) -> np.ndarray:
    """Periodic Hann window ``0.5 - 0.5 cos(2 pi n / length)``, shape (length,), read-only."""
    window = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(length) / length)).astype(dtype)
    window.setflags(write=False)
    return window


class _GroupedBank:
    """A filter bank as groups of adjacent bands, each multiplied only by the span of bins it covers.

    Mel triangles are local in frequency: 128 bands over 1765 bins touch 1841 (bin, group)
    pairs in 8 groups instead of 1765 x 8, so the product is 4x cheaper than the dense one.
    """

    def __init__(self, bank: np.ndarray, bands_per_group: int = 16):
        self.bank = bank  # keeps the array alive: the cache is keyed by its id
        self.groups = []
        for first in range(0, bank.shape[1], bands_per_group):
            cols = slice(first, min(first + bands_per_group, bank.shape[1]))
            rows = np.flatnonzero(bank[:, cols].any(axis=1))
            if rows.size:
                span = slice(int(rows[0]), int(rows[-1]) + 1)
                self.groups.append((span, cols, np.ascontiguousarray(bank[span, cols])))
            else:
                self.groups.append((None, cols, None))

    def apply(self, power: np.ndarray, out: np.ndarray) -> None:
        """``out[:] = power @ bank``; power [frames, bins], out [frames, bands]."""
        for span, cols, weights in self.groups:
            if span is None:
                out[:, cols] = 0
            else:
                np.matmul(power[:, span], weights, out=out[:, cols])


_GROUPED_BANKS: dict = {}


def _grouped(bank: np.ndarray) -> _GroupedBank:
    grouped = _GROUPED_BANKS.get(id(bank))
    if grouped is None or grouped.bank is not bank:
        if len(_GROUPED_BANKS) >= 16:
            _GROUPED_BANKS.clear()
        grouped = _GROUPED_BANKS[id(bank)] = _GroupedBank(bank)
    return grouped


#: Bytes of frames transformed at a time: bounds the temporaries (windowed frames, complex spectrum) of long clips.
_BLOCK_BYTES = 2 * 1024 * 1024


def power_spectrogram(signal: np.ndarray, *, nperseg: int, noverlap: int, dtype=np.float64,
                      filterbank: np.ndarray | None = None) -> np.ndarray:
    """Power spectrogram of a mono signal, time-major, optionally through a filter bank.

    Each frame has its mean removed, is multiplied by a periodic Hann window and
    transformed with a real FFT of the frame length; power = ``|X|**2 / nperseg``.
    Frames are transformed in blocks of 2 MiB, so long clips need no clip-sized temporaries.

    Parameters
    ----------
    signal : ndarray, shape (samples,)
    nperseg, noverlap : int
        Frame length and overlap in samples.
    dtype : numpy dtype
        float64 (default) or float32 (half the FFT time; relative error of a bin's power
        about 1e-7 times the ratio of the frame's peak power to that bin's).
    filterbank : ndarray, shape (nperseg // 2 + 1, bands), optional
        Applied to the power spectrogram (e.g. :func:`mel_filterbank`); each group of
        adjacent bands is multiplied only by the bins it covers.

    Returns
    -------
    ndarray, shape (frames, nperseg // 2 + 1) or (frames, bands), ``dtype``
        ``frames = (samples - noverlap) // step`` (0 rows if the signal is shorter
        than one frame).
    """
    from audeep.preprocessing.fft import rfft_rows  # scipy's pocketfft: float32 stays float32 (numpy's is 4x slower)

    dtype = np.dtype(dtype)
    x = np.ascontiguousarray(signal, dtype=dtype)
    step = nperseg - noverlap
    count = _whole_frames(x.size, nperseg, noverlap)
    bins = nperseg // 2 + 1
    if filterbank is not None:
        filterbank = np.asarray(filterbank, dtype=dtype)
        if filterbank.ndim != 2 or filterbank.shape[0] != bins:
            raise ParameterError(f"filter bank of shape {filterbank.shape}: expected ({bins}, bands) for "
                                 f"frames of {nperseg} samples")
    power = np.empty((count, bins), dtype=dtype)
    if count:
        frames = np.lib.stride_tricks.as_strided(
            x, shape=(count, nperseg), strides=(x.strides[0] * step, x.strides[0]), writeable=False)
        window = periodic_hann(nperseg, dtype)
        means = frames.mean(axis=1, keepdims=True)
        rows = max(1, _BLOCK_BYTES // (nperseg * dtype.itemsize))
        for first in range(0, count, rows):
            block = slice(first, first + rows)
            # mean removal in the time domain, as the original (scipy's detrend): subtracting m * rfft(window)
            # after the transform is equal in exact arithmetic but leaves exact zeros where the original has
            # round-off, which moves the dB floor of zero-padded clips
            windowed = frames[block] - means[block]
            windowed *= window
            spectrum = rfft_rows(windowed)
            np.abs(spectrum, out=power[block])  # vectorised hypot: faster than real**2 + imag**2
    np.square(power, out=power)
    if filterbank is not None:
        filtered = np.empty((count, filterbank.shape[1]), dtype=dtype)
        _grouped(filterbank).apply(power, filtered)
        power = filtered
    power /= nperseg
    return power


def hz_to_mel(hz):
    """HTK mel scale ``2595 log10(1 + f / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel):
    """Inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


@lru_cache(maxsize=16)
def mel_filterbank(*, mel_bands: int, n_fft: int, sample_rate: int, dtype=np.float64) -> np.ndarray:
    """HTK mel filter bank with unnormalised triangles (peak 1), as in the original.

    ``mel_bands + 2`` points are spaced evenly on the mel scale from 0 Hz to
    ``sample_rate / 2``; point ``i`` falls on FFT bin ``floor((n_fft + 1) * hz_i / sample_rate)``.
    Band ``m`` rises linearly from bin ``b[m]`` (weight 0) to ``b[m+1]`` (weight 1) and
    falls to bin ``b[m+2]`` (exclusive).

    Parameters
    ----------
    mel_bands : int
        Number of bands.
    n_fft : int
        FFT length (the frame length).
    sample_rate : int
    dtype : numpy dtype
        Of the result (the weights are computed in float64).

    Returns
    -------
    ndarray, shape (n_fft // 2 + 1, mel_bands), ``dtype``, read-only
        Multiply a power spectrogram ``[frames, bins]`` by it to get ``[frames, bands]``.
    """
    if mel_bands < 1:
        raise ParameterError(f"mel_bands {mel_bands}: expected a positive number of bands", parameter="mel_bands")
    mels = np.linspace(0.0, hz_to_mel(sample_rate / 2.0), mel_bands + 2)
    bins = np.floor((n_fft + 1) * mel_to_hz(mels) / sample_rate)
    left, centre, right = bins[:-2], bins[1:-1], bins[2:]
    k = np.arange(n_fft // 2 + 1, dtype=np.float64)[:, None]
    rising = (k - left) / np.where(centre > left, centre - left, 1.0)
    falling = (right - k) / np.where(right > centre, right - centre, 1.0)
    bank = np.where((k >= left) & (k < centre), rising, 0.0) + np.where((k >= centre) & (k < right), falling, 0.0)
    empty = np.flatnonzero(~bank.any(axis=0))
    if empty.size:
        log.warning("%d of %d mel bands are empty (bands %s): too many bands for an FFT of %d points",
                    empty.size, mel_bands, ", ".join(str(b) for b in empty[:10]), n_fft)
    bank = bank.astype(dtype)
    bank.setflags(write=False)
    return bank


def power_to_db(power: np.ndarray, *, name: str = "the clip") -> np.ndarray:
    """Decibels relative to the maximum: ``10 log10(S / max S)`` (maximum = 0 dB).

    Values at or below the smallest positive value are replaced by it first.  A
    spectrogram without any positive value (an all-silent clip) becomes all 0 dB, with
    a warning naming ``name``; it then scales to a constant 0.

    Parameters
    ----------
    power : ndarray, shape (frames, bins)
    name : str
        Used in the warning.

    Returns
    -------
    ndarray, shape (frames, bins), float64
    """
    power = np.asarray(power, dtype=np.float64)
    positive = power[power > 0]
    if positive.size == 0:
        log.warning("%s is silent (no positive spectral power): its spectrogram is constant", name)
        return np.zeros_like(power)
    floor = positive.min()
    return 10.0 * np.log10(np.maximum(power, floor) / positive.max())


def clip_db(db: np.ndarray, *, below: float | None = None, above: float | None = None) -> np.ndarray:
    """Clip a dB spectrogram: values below ``below`` become ``below``, above ``above`` become ``above``."""
    if below is not None:
        db = np.maximum(db, below)
    if above is not None:
        db = np.minimum(db, above)
    return db


def split_chunks(spectrogram: np.ndarray, *, frames_per_chunk: int, chunk_count: int,
                 name: str = "the clip") -> np.ndarray:
    """Split a spectrogram into ``chunk_count`` consecutive chunks of ``frames_per_chunk`` frames.

    Surplus frames and chunks are dropped.

    Parameters
    ----------
    spectrogram : ndarray, shape (frames, bins)

    Returns
    -------
    ndarray, shape (chunk_count, frames_per_chunk, bins)

    Raises
    ------
    AudioError
        If the spectrogram has fewer than ``chunk_count`` whole chunks (names ``name``).
    """
    available = spectrogram.shape[0] // frames_per_chunk if frames_per_chunk > 0 else 0
    if frames_per_chunk < 1 or available < chunk_count:
        raise AudioError(f"{name}: {spectrogram.shape[0]} frames give {available} chunks of "
                         f"{frames_per_chunk} frames, expected at least {chunk_count}")
    used = spectrogram[: chunk_count * frames_per_chunk]
    return used.reshape(chunk_count, frames_per_chunk, spectrogram.shape[1])


def scale_unit(spectrogram: np.ndarray) -> np.ndarray:
    """Subtract the mean, then scale min-max into [-1, 1]; a constant input becomes 0.

    Parameters
    ----------
    spectrogram : ndarray, shape (..., frames, bins)
        Scaled independently over the last two axes (one spectrogram or chunk each).

    Returns
    -------
    ndarray, same shape, float64
    """
    x = np.asarray(spectrogram, dtype=np.float64)
    axes = (-2, -1)
    x = x - x.mean(axis=axes, keepdims=True)
    lo = x.min(axis=axes, keepdims=True) if x.size else x
    hi = x.max(axis=axes, keepdims=True) if x.size else x
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    return np.where(span > 0, 2.0 * (x - lo) / safe - 1.0, 0.0)


def db_spectrogram(signal: np.ndarray, *, sample_rate: int, window_width: float = 0.04,
                   window_overlap: float = 0.02, mel_bands: int | None = None,
                   clip_below: float | None = None, clip_above: float | None = None,
                   name: str = "the clip", dtype=np.float64) -> np.ndarray:
    """Pre-emphasis, power spectrogram, optional mel bank, dB and clipping of a mono signal.

    Parameters
    ----------
    signal : ndarray, shape (samples,)
    sample_rate : int
    window_width, window_overlap : float
        Seconds (default 0.04 and 0.02).
    mel_bands : int, optional
        Number of mel bands; default a linear power spectrogram.
    clip_below, clip_above : float, optional
        dB limits (relative to the maximum, 0 dB).
    name : str
        Names the clip in errors and warnings.
    dtype : numpy dtype
        Precision of the spectrogram up to the mel bank (float64 or float32, see
        :func:`power_spectrogram`); dB values are computed in float64.

    Returns
    -------
    ndarray, shape (frames, bins), float64
        ``bins = mel_bands`` or ``nperseg // 2 + 1``.

    Raises
    ------
    AudioError
        If the signal is shorter than one window.
    """
    geometry = FrameGeometry(sample_rate, window_width, window_overlap)
    samples = np.asarray(signal).shape[0]
    if samples < geometry.nperseg:
        raise AudioError(geometry.too_short(samples, name=name))
    bank = mel_filterbank(mel_bands=int(mel_bands), n_fft=geometry.nperseg, sample_rate=int(sample_rate),
                          dtype=dtype) if mel_bands else None
    power = power_spectrogram(pre_emphasis(unit_peak(signal, name=name), dtype=dtype), nperseg=geometry.nperseg,
                              noverlap=geometry.noverlap, dtype=dtype, filterbank=bank)
    if not np.isfinite(power).all():
        raise AudioError(f"{name}: the power spectrogram has NaN or infinite values")
    return clip_db(power_to_db(power, name=name), below=clip_below, above=clip_above)


#: Signals whose peak magnitude lies within 2**-_PEAK_EXPONENT .. 2**_PEAK_EXPONENT are used as they are.
_PEAK_EXPONENT = 16


def unit_peak(signal: np.ndarray, *, name: str = "the clip") -> np.ndarray:
    """The signal scaled by a power of two so that its peak magnitude lies in [0.5, 1), if it is extreme.

    dB relative to the maximum do not depend on the signal's scale, but the power (the
    square of the samples) of a very loud float signal (e.g. samples near 3e29) overflows
    float32 and that of a very quiet one underflows.  Scaling by a power of two is exact,
    so a signal of ordinary level (peak within 2**-16 .. 2**16) is returned unchanged and
    an extreme one gives the spectrogram of the same signal at an ordinary level.

    Parameters
    ----------
    signal : ndarray, shape (samples,)
    name : str
        Names the clip in errors.

    Returns
    -------
    ndarray, shape (samples,)

    Raises
    ------
    AudioError
        If the signal holds NaN or infinite samples.
    """
    x = np.asarray(signal)
    if not x.size:
        return x
    peak = max(float(x.max()), -float(x.min()))  # max |x| without a temporary copy
    if not np.isfinite(peak):
        raise AudioError(f"{name}: the signal contains NaN or infinite samples")
    if peak == 0.0:
        return x
    exponent = int(np.frexp(peak)[1])
    if abs(exponent) <= _PEAK_EXPONENT:
        return x
    return np.ldexp(x.astype(np.float64), -exponent)
