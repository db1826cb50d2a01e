"""Every autoencoder and training parameter, declared once (no TensorFlow here).

One frozen dataclass per model kind holds the architecture parameters (type, default,
check and help text of each, see :mod:`audeep._params`); :class:`TrainingConfig` holds the
options of a training run.  Everything else is derived from these declarations:

* the Keras models' constructor arguments and ``get_config`` / ``from_config``
  (:mod:`audeep.models.autoencoders`),
* the ``architecture`` and ``training`` sections of a run's ``config.json``
  (:mod:`audeep.training.runs`),
* the scikit-learn estimators' parameters (:mod:`audeep.estimators`),
* the command-line flags of ``audeep <kind> train`` (:mod:`audeep.cli.autoencoders`).

Examples
--------
>>> config = TimeAutoencoderConfig(num_units=256, cell="lstm")
>>> config.cell, config.decoder
('LSTM', 'paper')
>>> config_class("f-rae").__name__
'FrequencyAutoencoderConfig'
"""

from __future__ import annotations

import dataclasses

from audeep._params import (
    Check,
    boolean,
    check_fields,
    keep_probability,
    non_negative_int,
    one_of,
    optional_positive_int,
    param,
    positive_float,
    positive_int,
    probability,
    values_of,
)
from audeep._params import seed as seed_check
from audeep.errors import ParameterError
from audeep.models.readouts import ALIASES, READOUT_TERMS

__all__ = [
    "CELLS",
    "CELL_CHECK",
    "DECODERS",
    "DEVICES_CHECK",
    "FEATURE_CHOICES",
    "MODEL_CONFIGS",
    "FrequencyAutoencoderConfig",
    "FrequencyTimeAutoencoderConfig",
    "ModelConfig",
    "TimeAutoencoderConfig",
    "TrainingConfig",
    "config_class",
]

#: Recurrent cells.
CELLS = ("GRU", "LSTM")

#: Check of a cell name (case-insensitive): "gru" -> "GRU".
CELL_CHECK = one_of(CELLS, case="upper")

#: Decoder variants of the t-RAE: the paper's (first release) and the later release's standard one.
DECODERS = ("paper", "standard")

#: The one-word read-out specifications generation takes for a t-RAE (the first is the default):
#: the representation ("bottleneck"), statistics over time of the top ("pooled") or every
#: ("layers") encoder layer, "both" = bottleneck+pooled; terms join with "+" and may take
#: statistics ("bottleneck+layers:mean,std"), see :mod:`audeep.models.readouts`.
FEATURE_CHOICES = READOUT_TERMS + tuple(ALIASES)


# ---------------------------------------------------------------- field declarations
def _layers(where: str = "", default: int = 1):
    return param(default, check=positive_int, help=f"stacked RNN layers in {where or 'encoder and decoder'}")


def _units(where: str = "", default: int = 16):
    return param(default, check=positive_int, help=f"units per {where + ' ' if where else ''}RNN layer")


def _cell():
    return param("GRU", check=CELL_CHECK, help="RNN cell, case-insensitive", metavar="GRU|LSTM")


def _bidirectional(part: str):
    return param(False, check=boolean, help=f"bidirectional {part}")


def _keep_prob():
    return param(0.8, check=keep_probability, help="dropout keep probability on RNN inputs and outputs")


def _noise(what: str):
    return param(0.0, check=probability, help=f"probability of zeroing a whole {what}")


def _feed_previous(decoder: str = "decoder"):
    return param(0.0, check=probability, help=f"probability of feeding the {decoder} its own previous output")


def _window_width():
    return param(32, check=positive_int, help="frequency bins per window of a frame")


def _window_overlap():
    return param(24, check=non_negative_int,
                 help="bins shared by consecutive frequency windows, less than the width")


def _check_windows(config) -> None:
    if config.freq_window_overlap >= config.freq_window_width:
        raise ParameterError(f"freq_window_overlap {config.freq_window_overlap}: expected an integer in "
                             f"[0, {config.freq_window_width}) (less than freq_window_width)")


# ---------------------------------------------------------------- model kinds
@dataclasses.dataclass(frozen=True)
class _Checked:
    """A configuration whose fields are checked when it is made."""

    def __post_init__(self):
        check_fields(self)

    def values(self) -> dict:
        """Parameter name -> value (JSON-serialisable)."""
        return values_of(self)


@dataclasses.dataclass(frozen=True)
class ModelConfig(_Checked):
    """Base of the architecture configurations; subclasses set ``kind``."""

    #: the model kind, e.g. ``"t-rae"`` (also the command-line group)
    kind = ""


@dataclasses.dataclass(frozen=True)
class _RecurrentConfig(ModelConfig):
    """Parameters shared by the t-RAE and the f-RAE: one encoder and one decoder shape."""

    num_layers: int = _layers()
    num_units: int = _units()
    cell: str = _cell()
    bidirectional_encoder: bool = _bidirectional("encoder")
    bidirectional_decoder: bool = _bidirectional("decoder")
    keep_prob: float = _keep_prob()
    encoder_noise: float = _noise("encoder input time step")
    feed_previous_prob: float = _feed_previous()


@dataclasses.dataclass(frozen=True)
class TimeAutoencoderConfig(_RecurrentConfig):
    """The t-RAE's architecture (see :class:`audeep.models.autoencoders.TimeAutoencoderModel`)."""

    kind = "t-rae"

    decoder: str = param("paper", check=one_of(DECODERS),
                         help="paper: the first release's decoder that produced the papers' results; standard: a "
                              "teacher-forced standard (bidirectional) RNN")
    predict_ahead: int = param(0, check=non_negative_int,
                               help="0: off; K: the encoder's top layer also learns to predict the input frame K "
                                    "steps ahead of every step it has read (autoregressive predictive coding), a "
                                    "second loss term")
    predict_weight: float = param(1.0, check=positive_float,
                                  help="weight of the prediction loss against the reconstruction loss")


@dataclasses.dataclass(frozen=True)
class FrequencyAutoencoderConfig(_RecurrentConfig):
    """The f-RAE's architecture (see :class:`audeep.models.autoencoders.FrequencyAutoencoderModel`)."""

    kind = "f-rae"

    encoder_noise: float = _noise("encoder input frequency window")
    freq_window_width: int = _window_width()
    freq_window_overlap: int = _window_overlap()

    def __post_init__(self):
        super().__post_init__()
        _check_windows(self)


@dataclasses.dataclass(frozen=True)
class FrequencyTimeAutoencoderConfig(ModelConfig):
    """The ft-RAE's architecture (see :class:`audeep.models.autoencoders.FrequencyTimeAutoencoderModel`)."""

    kind = "ft-rae"

    num_f_layers: int = _layers("the frequency encoder and decoder")
    num_f_units: int = _units("frequency", 64)
    num_t_layers: int = _layers("the time encoder and decoder", 2)
    num_t_units: int = _units("time", 128)
    cell: str = _cell()
    bidirectional_f_encoder: bool = _bidirectional("frequency encoder")
    bidirectional_f_decoder: bool = _bidirectional("frequency decoder")
    bidirectional_t_encoder: bool = _bidirectional("time encoder")
    bidirectional_t_decoder: bool = _bidirectional("time decoder")
    keep_prob: float = _keep_prob()
    f_encoder_noise: float = _noise("frequency window of the input")
    t_encoder_noise: float = _noise("time step of the time encoder's input")
    f_feed_previous_prob: float = _feed_previous("frequency decoder")
    t_feed_previous_prob: float = _feed_previous("time decoder")
    freq_window_width: int = _window_width()
    freq_window_overlap: int = _window_overlap()

    def __post_init__(self):
        super().__post_init__()
        _check_windows(self)


#: Kind -> architecture configuration class.
MODEL_CONFIGS = {cls.kind: cls for cls in (TimeAutoencoderConfig, FrequencyAutoencoderConfig,
                                           FrequencyTimeAutoencoderConfig)}


def config_class(kind: str) -> type:
    """The configuration class of a model kind.

    Raises
    ------
    ParameterError
        For an unknown kind.
    """
    try:
        return MODEL_CONFIGS[kind]
    except KeyError:
        raise ParameterError(f"kind {kind!r}: expected one of {', '.join(MODEL_CONFIGS)}", parameter="kind") from None


# ---------------------------------------------------------------- training
def _device_count(value):
    if isinstance(value, str) and value.strip().lower() == "all":
        return "all"
    return positive_int.convert(value)


#: Check of the devices to train on: a count or "all" (see :mod:`audeep.training.devices`).
DEVICES_CHECK = Check(_device_count, "a positive integer or 'all'", "N|all")


@dataclasses.dataclass(frozen=True)
class TrainingConfig(_Checked):
    """The options of a training run (recorded in the run's ``config.json``)."""

    num_epochs: int = param(10, check=positive_int, help="total epochs of the run, including resumed ones")
    batch_size: int = param(64, check=positive_int, help="instances per batch")
    learning_rate: float = param(1e-3, check=positive_float, help="Adam learning rate", metavar="LR")
    checkpoints_to_keep: int | None = param(None, check=optional_positive_int, default_help="all",
                                            help="keep only the newest N checkpoints")
    seed: int = param(42, check=seed_check, help="random seed")
    threads: int | None = param(None, check=optional_positive_int, help="TensorFlow intra-op threads",
                                default_help="1 on up to 2 cores, else TensorFlow's choice")
    devices: int | str = param(1, check=DEVICES_CHECK,
                               help="devices to train on, N or all: the GPUs of this host, else its CPU devices; each "
                                    "batch of batch_size instances is split across them")
    fold: int | None = param(None, check=optional_positive_int, default_help="all instances", metavar="K",
                             help="train only on the instances that cross-validation fold K (1-based) marks TRAIN "
                                  "(the inductive protocol; labels are not used); a continued run keeps its fold")
