"""Spectrogram options: the one declaration of every parameter that decides how a file becomes spectrograms.

:class:`SpectrogramOptions` is a frozen dataclass whose fields carry their check and help text
(:func:`audeep._params.param`); the flags of ``audeep preprocess`` are generated from it
(:func:`audeep.cli.options.add_params`), and the data set's provenance records its values.
This module imports neither TensorFlow nor argparse.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from audeep._params import (
    boolean,
    check_fields,
    duration,
    one_of,
    optional_duration,
    optional_float,
    optional_positive_int,
    param,
    signed_duration,
    values_of,
)
from audeep.errors import ParameterError
from audeep.preprocessing.audio import CHANNEL_MODE, ChannelMode, check_sample_rate
from audeep.preprocessing.spectrogram import FrameGeometry

__all__ = ["PRECISIONS", "SpectrogramOptions"]

#: Floating types the spectrogram can be computed in; the first is the default.
PRECISIONS = ("float32", "float64")


@dataclass(frozen=True)
class SpectrogramOptions:
    """Everything that decides how one audio file becomes spectrograms.

    Values are checked and normalised on construction (a :class:`~audeep.errors.ParameterError`
    names the field).

    Attributes
    ----------
    window_width, window_overlap : float
        FFT window and overlap in seconds (0.04, 0.02); ``0 <= window_overlap < window_width``.
    mel_bands : int or None
        Mel bands; ``None`` = linear power spectrogram.
    clip_below, clip_above : float or None
        dB limits relative to the clip's maximum (0 dB); ``clip_below <= clip_above``.
    channels : ChannelMode
        Channel fusion (MEAN); a member or its name.
    resample : int or None
        Target sample rate in Hz (1 kHz .. 768 kHz).
    fixed_length : float or None
        Cut or zero-pad every clip to this many seconds.
    center_fixed : bool
        Cut/pad symmetrically instead of at the end.
    chunk_length : float or None
        Seconds per chunk (together with ``chunk_count``).
    chunk_count : int or None
        Chunks kept per file; fewer available is an error.
    precision : str
        Arithmetic of the spectrogram up to the mel bank: ``"float32"`` (default; the
        spectrogram computes 2.5x faster) or ``"float64"`` (the original's); the stored
        [-1, 1] features differ by about 1e-5 at most (ESC-10: 1.2e-5, mean 4e-8).
    """

    window_width: float = param(0.04, check=duration, metavar="S", help="FFT window width in seconds")
    window_overlap: float = param(0.02, check=signed_duration, metavar="S", help="window overlap in seconds")
    mel_bands: int | None = param(None, check=optional_positive_int, flag="--mel-spectrum", metavar="N",
                                  help="N mel bands", default_help="a linear power spectrogram")
    clip_below: float | None = param(None, check=optional_float, metavar="DB", default_help="",
                                     help="clip values below DB (relative to the clip's maximum, 0 dB)")
    clip_above: float | None = param(None, check=optional_float, metavar="DB", default_help="",
                                     help="clip values above DB (relative to the clip's maximum, 0 dB)")
    channels: ChannelMode = param(ChannelMode.MEAN, check=CHANNEL_MODE, metavar="MODE",  # noqa: RUF009 (immutable)
                                  help="channel fusion: MEAN, LEFT, RIGHT or DIFF")
    resample: int | None = param(None, check=optional_positive_int, metavar="HZ", help="resample every file to HZ",
                                 default_help="keep; mixed rates are an error")
    fixed_length: float | None = param(
        None, check=optional_duration, metavar="S", help="cut or zero-pad every clip to S seconds",
        default_help="variable length, padded to the longest clip with -1 and a 'length' variable")
    center_fixed: bool = param(False, check=boolean, help="cut or pad symmetrically instead of at the end")
    chunk_length: float | None = param(None, check=optional_duration, metavar="S", default_help="",
                                       help="split spectrograms into chunks of S seconds (with --chunk-count)")
    chunk_count: int | None = param(None, check=optional_positive_int, metavar="N", default_help="",
                                    help="keep the first N chunks of every file (fewer is an error)")
    precision: str = param(PRECISIONS[0], check=one_of(PRECISIONS), default_help="",
                           help="arithmetic of the spectrogram up to the mel bank: float32 (default; spectrograms "
                                "2.5x faster) or float64 as the original (stored features differ by about 1e-5 "
                                "at most)")

    def __post_init__(self):
        check_fields(self)
        self.check()

    @classmethod
    def from_kwargs(cls, **options) -> SpectrogramOptions:
        """Build and check options from keyword arguments; ``None`` means the default.

        Raises
        ------
        ParameterError
            For unknown names, and invalid values or combinations (naming the fields).
        """
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise ParameterError(f"unknown spectrogram options {', '.join(unknown)}: expected some of "
                                 f"{', '.join(known)}", parameter=tuple(unknown))
        return cls(**{k: v for k, v in options.items() if v is not None})

    def check(self) -> None:
        """Raise :class:`ParameterError` on invalid combinations (single values are checked by their fields)."""
        if not 0 <= self.window_overlap < self.window_width:
            raise ParameterError(f"window_overlap {self.window_overlap}: expected 0 <= overlap < window_width "
                                 f"{self.window_width}", parameter=("window_overlap", "window_width"))
        if (self.chunk_length is None) != (self.chunk_count is None):
            raise ParameterError("chunk_length and chunk_count must be given together",
                                 parameter=("chunk_length", "chunk_count"))
        if self.resample is not None:
            check_sample_rate(self.resample, name="resample", error=ParameterError, parameter="resample")
        if self.clip_below is not None and self.clip_above is not None and self.clip_below > self.clip_above:
            raise ParameterError(f"clip_below {self.clip_below} is above clip_above {self.clip_above}",
                                 parameter=("clip_below", "clip_above"))

    @property
    def chunked(self) -> bool:
        """True when every file is split into ``chunk_count`` chunks."""
        return self.chunk_count is not None

    @property
    def variable_length(self) -> bool:
        """True when clips keep their own lengths (padded, with a ``length`` variable)."""
        return self.fixed_length is None and not self.chunked

    def geometry(self, sample_rate: int) -> FrameGeometry:
        """The frames of these options at ``sample_rate`` Hz."""
        return FrameGeometry(int(sample_rate), self.window_width, self.window_overlap)

    def parameters(self) -> dict:
        """JSON-friendly option values (for provenance), in declaration order."""
        values = values_of(self)
        values["channels"] = self.channels.name
        return values
