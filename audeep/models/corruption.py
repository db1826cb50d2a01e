"""Training-time input corruption and mixing, declared once (no TensorFlow here).

An autoencoder trained to reconstruct a clean spectrogram from a damaged one (a *denoising*
autoencoder) has to encode what a clip is rather than every detail of it.  The options of
:class:`CorruptionConfig` damage the **encoder's input only**; the target (and the teacher
input of the decoders) stays the clean clip:

* SpecAugment-style masks (Park et al. 2019): ``time_masks`` spans of up to
  ``time_mask_width`` steps and ``freq_masks`` bands of up to ``freq_mask_width`` bins per
  clip, each filled with the clip's mean;
* masked-frame reconstruction: a share ``mask_frames`` of the steps hidden in spans of
  ``mask_span`` steps (many short spans, as masked-prediction models draw them), filled
  the same way;
* ``input_noise``: Gaussian noise of this standard deviation (in feature units; features
  are in [-1, 1]).

Two options change the clip itself, so the target changes with it:

* ``time_shift``: each clip is rolled by up to this many steps (circularly over its valid
  steps);
* ``mix_prob``: with this probability a clip becomes its mix with another clip of the
  batch.  Spectrograms are in decibels, so the mix takes the louder of the two in every
  bin (the log-domain approximation of adding their powers, within 3 dB).

Every option defaults to off: the faithful training is unchanged.  The ops are in
:mod:`audeep.models.augment`; their random draws are stateless, keyed by the run's seed
and the optimizer step, so a run is repeatable and ``--continue`` draws what an
uninterrupted run would have drawn.

Examples
--------
>>> config = CorruptionConfig(time_masks=2, time_mask_width=10)
>>> config.active, CorruptionConfig().active
(True, False)
>>> check_corruption_shape(config, (5, 40))
Traceback (most recent call last):
...
audeep.errors.ParameterError: time_mask_width 10: wider than the input's 5 time steps; expected at most 5
"""

from __future__ import annotations

import dataclasses

from audeep._params import (
    Check,
    check_fields,
    config_from,
    non_negative_int,
    param,
    positive_int,
    probability,
    values_of,
)
from audeep.errors import ParameterError

__all__ = ["MAX_NOISE", "CorruptionConfig", "check_corruption_shape", "corruption_config"]

#: Largest standard deviation of ``input_noise``: features span [-1, 1], so more is only noise.
MAX_NOISE = 10.0


def _noise_std(value) -> float:
    number = float(value)
    if not 0.0 <= number <= MAX_NOISE:  # NaN fails too
        raise ValueError(value)
    return number


_noise_check = Check(_noise_std, f"a standard deviation in [0, {MAX_NOISE:g}]", "STD")


@dataclasses.dataclass(frozen=True)
class CorruptionConfig:
    """The input corruption and mixing of a training run (recorded in the run's ``config.json``)."""

    time_masks: int = param(0, check=non_negative_int, help="time masks per clip on the encoder input (SpecAugment)")
    time_mask_width: int = param(0, check=non_negative_int,
                                 help="widest time mask in steps; each mask's width is drawn from 0..N")
    freq_masks: int = param(0, check=non_negative_int,
                            help="frequency masks per clip on the encoder input (SpecAugment)")
    freq_mask_width: int = param(0, check=non_negative_int,
                                 help="widest frequency mask in bins; each mask's width is drawn from 0..N")
    mask_frames: float = param(0.0, check=probability,
                               help="share of the steps hidden from the encoder, in spans of mask_span steps "
                                    "(masked-frame reconstruction)")
    mask_span: int = param(5, check=positive_int, help="steps per hidden span of mask_frames")
    input_noise: float = param(0.0, check=_noise_check,
                               help="standard deviation of Gaussian noise added to the encoder input")
    time_shift: int = param(0, check=non_negative_int,
                            help="roll each clip (input and target) by up to N steps, circularly")
    mix_prob: float = param(0.0, check=probability,
                            help="probability that a clip is mixed with another clip of its batch (input and "
                                 "target; the louder of the two in every bin)")

    def __post_init__(self):
        check_fields(self)
        for count, width in (("time_masks", "time_mask_width"), ("freq_masks", "freq_mask_width")):
            if getattr(self, count) and not getattr(self, width):
                raise ParameterError(f"{width} 0: {count} {getattr(self, count)} needs masks at least one wide; "
                                     "expected a positive integer", parameter=width)

    def values(self) -> dict:
        """Parameter name -> value (JSON-serialisable)."""
        return values_of(self)

    @property
    def active(self) -> bool:
        """Whether any option is on (otherwise training is exactly the uncorrupted one)."""
        return any(self.values()[f.name] != f.default for f in dataclasses.fields(self))

    @property
    def masks_input(self) -> bool:
        """Whether the encoder's input differs from the (possibly shifted or mixed) clip."""
        return bool(self.time_masks or self.freq_masks or self.mask_frames or self.input_noise)


def corruption_config(value) -> CorruptionConfig:
    """A :class:`CorruptionConfig` from itself, a dict of its parameters, or None (all off).

    Raises
    ------
    ParameterError
        For unknown parameters or bad values.
    """
    if isinstance(value, CorruptionConfig):
        return value
    return config_from(CorruptionConfig, dict(value or {}), what="corruption options")


def check_corruption_shape(config: CorruptionConfig, shape) -> None:
    """Raise ParameterError where an option does not fit spectrograms of ``shape`` (time, freq).

    Masks may not be wider than the input, nor spans or shifts longer than its time axis.
    """
    time, freq = int(shape[0]), int(shape[1])
    for name, limit, axis in (("time_mask_width", time, "time steps"), ("freq_mask_width", freq, "frequency bins"),
                              ("time_shift", time - 1, "time steps"), ("mask_span", time, "time steps")):
        value = getattr(config, name)
        if name == "mask_span" and not config.mask_frames:
            continue
        if value > limit:
            what = "longer than" if name != "freq_mask_width" and name != "time_mask_width" else "wider than"
            raise ParameterError(f"{name} {value}: {what} the input's {time if axis == 'time steps' else freq} "
                                 f"{axis}; expected at most {limit}", parameter=name)
