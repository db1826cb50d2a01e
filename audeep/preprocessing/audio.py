"""Audio input: decoding, channel fusion, resampling and fixed length.

Decoding uses soundfile (WAV, FLAC, OGG/Vorbis, and MP3 with libsndfile >= 1.1);
other formats fall back to librosa's decoder (audioread / ffmpeg) when available.
Signals are always float arrays of shape ``[samples, channels]`` until channel
fusion makes them mono ``[samples]``.
"""

from __future__ import annotations

import enum
import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from audeep._params import member_of
from audeep.errors import AudioError, ParameterError

__all__ = [
    "AUDIO_EXTENSIONS",
    "CHANNEL_MODE",
    "SAMPLE_RATES",
    "AudioInfo",
    "ChannelMode",
    "audio_info",
    "check_sample_rate",
    "fix_length",
    "fuse_channels",
    "load_signal",
    "ogg_vorbis_info",
    "read_audio",
    "resample",
    "resampled_length",
]

#: File extensions treated as audio by the parsers (lower case, with the dot).
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aiff", ".aif", ".au", ".m4a", ".opus")

#: The sample rates (Hz) audio may have, lowest and highest: a header outside them is corrupt.
SAMPLE_RATES = (1000, 768000)


def check_sample_rate(rate: int, *, name: str, error=AudioError, parameter: str | None = None) -> int:
    """``rate`` if it lies within :data:`SAMPLE_RATES`, else ``error`` naming ``name`` (a file or parameter).

    A bogus rate (1 Hz in a damaged header) would make resampling allocate gigabytes.
    """
    low, high = SAMPLE_RATES
    if not low <= rate <= high:
        raise error(f"{name}: sample rate {rate} Hz is outside {low} .. {high} Hz", parameter=parameter)
    return rate


class ChannelMode(enum.Enum):
    """How several channels become one: their mean, left, right, or left minus right."""

    MEAN = "mean"
    LEFT = "left"
    RIGHT = "right"
    DIFF = "diff"


#: The check of a channel-mode parameter: a :class:`ChannelMode` or its name, case-insensitive.
CHANNEL_MODE = member_of(ChannelMode, metavar="MODE")


@dataclass(frozen=True)
class AudioInfo:
    """Header information of an audio file.

    Attributes
    ----------
    frames : int
        Samples per channel (that can be decoded).
    sample_rate : int
    channels : int
    truncation : str
        Why the file looks cut short (its header promises more than it holds, or an Ogg
        stream lacks its end), naming the file; empty for a complete file.
    """

    frames: int
    sample_rate: int
    channels: int
    truncation: str = ""

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def _fallback_decode(path: Path):
    """Decode with librosa's fallback decoder (audioread); returns ([samples, channels], sr)."""
    import warnings

    import librosa

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data, sr = librosa.load(os.fspath(path), sr=None, mono=False)
    data = np.asarray(data, dtype=np.float32)
    data = data[:, None] if data.ndim == 1 else data.T
    return data, int(sr)


def _native(path: Path) -> bool:
    """Whether libsndfile handles this extension itself (then its verdict is final: no fallback)."""
    import soundfile

    ext = path.suffix.lower().lstrip(".")
    return ext.upper() in soundfile.available_formats() or ext in ("wav", "flac", "ogg", "oga", "aif", "aiff")


def _fallback_after(first: BaseException, path: Path, problem: str) -> tuple:
    """libsndfile failed with ``first``: decode with the fallback decoder, unless libsndfile's verdict is final.

    Returns ``([samples, channels], sr)``; raises :class:`AudioError` naming the file and ``problem``.
    """
    if not _native(path):
        try:
            return _fallback_decode(path)
        except Exception:  # noqa: BLE001, S110 -- the first decoder's error is the one reported
            pass
    raise AudioError(f"{path}: {problem} ({_reason(first)})") from first


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise AudioError(f"{path}: no such audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes), expected audio")


_OGG_TAIL_BYTES = 65536  # an Ogg page is at most 65307 bytes: the last one starts within this tail


def ogg_vorbis_info(path: str | os.PathLike) -> AudioInfo | None:
    """Header of a single-stream Ogg Vorbis file, read from its first and last pages.

    Opening an Ogg Vorbis file with libsndfile sets up the whole decoder (0.4 ms; ten
    times this).  The channel count and sample rate are in the identification header
    (first page), the length is the granule position of the final page (end of
    stream, same stream serial number), as in the Ogg and Vorbis I specifications.

    Returns
    -------
    AudioInfo or None
        None unless the file is plainly one complete Vorbis stream (other codecs,
        chained or truncated streams): the caller then asks libsndfile.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - _OGG_TAIL_BYTES))
            tail = f.read()
    except OSError:
        return None
    # first page: "OggS", version 0, beginning-of-stream flag; its one packet is the identification header
    if len(head) < 28 or head[:4] != b"OggS" or head[4] != 0 or not head[5] & 0x02:
        return None
    serial = head[14:18]
    body = 27 + head[26]
    ident = head[body:body + 30]
    if len(ident) < 30 or ident[:7] != b"\x01vorbis" or int.from_bytes(ident[7:11], "little") != 0:
        return None
    channels = ident[11]
    rate = int.from_bytes(ident[12:16], "little")
    # last page of the file (the "OggS" whose page ends exactly at the end of the file): same stream,
    # end-of-stream flag, a valid granule position
    last = len(tail)
    while True:
        last = tail.rfind(b"OggS", 0, last)
        if last < 0:
            return None
        if len(tail) - last >= 27:
            segments = tail[last + 27:last + 27 + tail[last + 26]]
            if last + 27 + len(segments) + sum(segments) == len(tail):
                break
    if tail[last + 14:last + 18] != serial or not tail[last + 5] & 0x04:
        return None
    frames = int.from_bytes(tail[last + 6:last + 14], "little", signed=True)
    if channels < 1 or rate < 1 or frames < 0:
        return None
    return AudioInfo(frames, rate, channels)


def _wav_promised_frames(path: Path) -> int | None:
    """The frames a RIFF/WAVE header promises (data chunk size / block align), None if unknown."""
    block_align = None
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                return None
            kind, size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if kind == b"data":  # 0 and 0xFFFFFFFF: a streamed file whose writer did not know the length
                return size // block_align if block_align and size not in (0, 0xFFFFFFFF) else None
            if kind == b"fmt ":
                block_align = int.from_bytes(f.read(size)[12:14], "little")
                f.seek(size & 1, os.SEEK_CUR)
            else:
                f.seek(size + (size & 1), os.SEEK_CUR)


def _ogg_unterminated(path: Path) -> bool:
    """Whether an Ogg file's last page is cut or lacks the end-of-stream flag (the file was cut short)."""
    with open(path, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(max(0, size - _OGG_TAIL_BYTES))
        tail = f.read()
    last = tail.rfind(b"OggS")
    if last < 0:
        return False
    if len(tail) - last < 27:
        return True
    segments = tail[last + 27:last + 27 + tail[last + 26]]
    complete = len(segments) == tail[last + 26] and last + 27 + len(segments) + sum(segments) == len(tail)
    return not complete or not tail[last + 5] & 0x04


def _truncation(path: Path, info: AudioInfo) -> str:
    """Why ``path`` looks cut short, or "" (see :attr:`AudioInfo.truncation`)."""
    def seconds(frames: int) -> str:
        return f"{frames / info.sample_rate:.3f} s"

    suffix = path.suffix.lower()
    if suffix == ".wav":
        promised = _wav_promised_frames(path)
        if promised is not None and promised > info.frames:
            return (f"{path}: the header promises {promised} frames ({seconds(promised)}), the file holds "
                    f"{info.frames} ({seconds(info.frames)}): it was cut short")
    elif suffix in (".ogg", ".oga") and _ogg_unterminated(path):
        return (f"{path}: the Ogg stream has no end (the file was cut short); {info.frames} frames "
                f"({seconds(info.frames)}) can be decoded")
    return ""


def audio_info(path: str | os.PathLike) -> AudioInfo:
    """Read an audio file's header: frame count, sample rate, channel count, truncation.

    Raises
    ------
    AudioError
        If the file is missing, empty, not audio, has no samples or a sample rate outside
        :data:`SAMPLE_RATES`.
    """
    import soundfile

    path = Path(path)
    _check_file(path)
    if path.suffix.lower() in (".ogg", ".oga"):
        fast = ogg_vorbis_info(path)
        if fast is not None and fast.frames > 0:
            return fast
    try:
        info = soundfile.info(os.fspath(path))
        result = AudioInfo(int(info.frames), int(info.samplerate), int(info.channels))
    except Exception as first:  # noqa: BLE001 -- any decoder failure falls back
        data, sr = _fallback_after(first, path, "not a readable audio file")
        result = AudioInfo(data.shape[0], sr, data.shape[1])
    if result.frames <= 0:
        cut = path.suffix.lower() in (".ogg", ".oga") and _ogg_unterminated(path)
        raise AudioError(f"{path}: the audio file contains no samples" + (" (the Ogg stream has no end: the file "
                                                                          "was cut short)" if cut else ""))
    check_sample_rate(result.sample_rate, name=str(path))
    try:
        truncation = _truncation(path, result)
    except OSError:
        truncation = ""
    return replace(result, truncation=truncation) if truncation else result


def read_audio(path: str | os.PathLike) -> tuple:
    """Decode an audio file to float32 ``[samples, channels]``.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    (ndarray of shape (samples, channels), int)
        The signal in [-1, 1] and its sample rate.

    Raises
    ------
    AudioError
        If the file cannot be decoded, has no samples or a sample rate outside
        :data:`SAMPLE_RATES` (names the file).
    """
    import soundfile

    path = Path(path)
    _check_file(path)
    try:
        data, sr = soundfile.read(os.fspath(path), dtype="float32", always_2d=True)
    except Exception as first:  # noqa: BLE001 -- any decoder failure falls back
        data, sr = _fallback_after(first, path, "cannot decode audio")
    if data.shape[0] == 0:
        raise AudioError(f"{path}: the audio file contains no samples")
    if not np.isfinite(data).all():
        raise AudioError(f"{path}: the decoded audio contains NaN or infinite samples")
    return data, check_sample_rate(int(sr), name=str(path))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__


def fuse_channels(data: np.ndarray, mode: ChannelMode | str = ChannelMode.MEAN, *,
                  name: str = "the file") -> np.ndarray:
    """Make a ``[samples, channels]`` signal mono.

    Parameters
    ----------
    data : ndarray, shape (samples, channels) or (samples,)
    mode : ChannelMode or str
        MEAN (all channels), LEFT (channel 0), RIGHT (channel 1), DIFF (left - right).
        One channel is returned as is; more than two channels allow only MEAN.
    name : str
        Names the file in errors.

    Returns
    -------
    ndarray, shape (samples,)

    Raises
    ------
    ParameterError
        If ``mode`` is not a channel mode.
    AudioError
        LEFT/RIGHT/DIFF on a file with more than two channels.  A mono file is
        returned unchanged whatever the mode.
    """
    mode = CHANNEL_MODE("mode", mode)
    data = np.asarray(data)
    if data.ndim == 1:
        return data
    channels = data.shape[1]
    if channels == 1:
        return data[:, 0]
    if mode is ChannelMode.MEAN:
        return data.mean(axis=1)
    if channels > 2:
        raise AudioError(f"{name}: {channels} channels; mode {mode.name} needs 1 or 2 (use MEAN to average them)",
                         parameter="mode")
    if mode is ChannelMode.LEFT:
        return data[:, 0]
    if mode is ChannelMode.RIGHT:
        return data[:, 1]
    return data[:, 0] - data[:, 1]


def resampled_length(num_samples: int, orig_rate: int, target_rate: int) -> int:
    """Length of a signal of ``num_samples`` after :func:`resample`."""
    if orig_rate == target_rate:
        return int(num_samples)
    g = math.gcd(int(orig_rate), int(target_rate))
    up, down = target_rate // g, orig_rate // g
    return math.ceil(num_samples * up / down)


def resample(signal: np.ndarray, orig_rate: int, target_rate: int) -> np.ndarray:
    """Polyphase resampling (``scipy.signal.resample_poly``) along axis 0."""
    if orig_rate == target_rate:
        return signal
    from scipy.signal import resample_poly

    g = math.gcd(int(orig_rate), int(target_rate))
    return resample_poly(signal, target_rate // g, orig_rate // g, axis=0)


def fix_length(signal: np.ndarray, num_samples: int, *, center: bool = False) -> np.ndarray:
    """Cut or zero-pad along axis 0 to exactly ``num_samples``.

    By default the end is cut or padded.  With ``center``, a longer signal is cut from
    offset ``(N - L) // 2``, a shorter one gets ``(L - N) // 2`` zeros before and the
    rest after.

    Parameters
    ----------
    signal : ndarray, shape (samples, ...)
    num_samples : int

    Returns
    -------
    ndarray, shape (num_samples, ...)
    """
    n = signal.shape[0]
    if n >= num_samples:
        start = (n - num_samples) // 2 if center else 0
        return signal[start: start + num_samples]
    before = (num_samples - n) // 2 if center else 0
    widths = [(before, num_samples - n - before)] + [(0, 0)] * (signal.ndim - 1)
    return np.pad(signal, widths)


def load_signal(path: str | os.PathLike, *, channels: ChannelMode | str = ChannelMode.MEAN,
                resample_rate: int | None = None, fixed_length: float | None = None,
                center_fixed: bool = False) -> tuple:
    """Decode a file and apply resampling, fixed length and channel fusion.

    Parameters
    ----------
    path : path-like
    channels : ChannelMode or str
    resample_rate : int, optional
        Target sample rate in Hz.
    fixed_length : float, optional
        Seconds to cut or zero-pad to (``int(sr * fixed_length)`` samples).
    center_fixed : bool
        Cut/pad symmetrically instead of at the end.

    Returns
    -------
    (ndarray of shape (samples,), int)
        Mono float signal and its sample rate.
    """
    channels = CHANNEL_MODE("channels", channels)
    if resample_rate:
        check_sample_rate(int(resample_rate), name="resample_rate", error=ParameterError, parameter="resample_rate")
    data, sr = read_audio(path)
    mono = fuse_channels(data, channels, name=str(path))
    if resample_rate and resample_rate != sr:
        mono = resample(mono.astype(np.float64), sr, int(resample_rate))
        sr = int(resample_rate)
    if fixed_length is not None:
        mono = fix_length(mono, int(sr * fixed_length), center=center_fixed)
    return mono, sr
