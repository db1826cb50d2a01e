"""Parameters declared once: frozen dataclass fields that carry their check and help text.

A configuration class (the spectrogram options, each autoencoder kind, the training
options) is a frozen dataclass whose fields are made with :func:`param`.  Each field holds
its type (the annotation), default, check and help text; from that one declaration come
the validation in ``__post_init__`` (:func:`check_fields`), the command-line flags
(:func:`audeep.cli.options.add_params`), the estimators' parameters and the Keras configs.
This module imports neither TensorFlow nor argparse.

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Options:
...     num_units: int = param(16, check=positive_int, help="units per layer")
...     def __post_init__(self):
...         check_fields(self)
>>> Options(num_units=0)
Traceback (most recent call last):
...
audeep.errors.ParameterError: num_units 0: expected a positive integer
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from audeep.errors import ParameterError

__all__ = [
    "Check",
    "any_float",
    "any_int",
    "boolean",
    "check_fields",
    "config_from",
    "duration",
    "keep_probability",
    "member_of",
    "non_negative_int",
    "one_of",
    "optional_duration",
    "optional_float",
    "optional_positive_float",
    "optional_positive_int",
    "param",
    "params_of",
    "positive_float",
    "positive_int",
    "probability",
    "seed",
    "signed_duration",
    "values_of",
]


@dataclasses.dataclass(frozen=True)
class Check:
    """A parameter check: converts a value and says what was expected when it cannot.

    Parameters
    ----------
    convert : callable
        Value -> normalised value; raises ``ValueError`` or ``TypeError`` when the value is
        not acceptable.
    expected : str
        What an acceptable value is, for messages ("a positive integer").
    metavar : str
        The value's name on the command line ("N", "P", "SECONDS").
    parse : callable, optional
        String -> value for the command line (default ``convert``).
    choices : tuple, optional
        The accepted values when they are a short list (the command line shows ``{a,b}``).
    """

    convert: Callable[[Any], Any]
    expected: str
    metavar: str = "VALUE"
    parse: Callable[[str], Any] | None = None
    choices: tuple | None = None

    def __call__(self, name: str, value):
        """The normalised ``value`` of parameter ``name``; ParameterError when it is not acceptable."""
        try:
            return self.convert(value)
        except (TypeError, ValueError, OverflowError):
            raise ParameterError(f"{name} {value!r}: expected {self.expected}", parameter=name) from None


#: integers are 64-bit in every library audeep hands them to (numpy, TensorFlow, HDF5)
_INT_LIMIT = 2**63


def _integer(value) -> int:
    if isinstance(value, bool):
        raise TypeError("a bool is no integer")
    if isinstance(value, str):
        value = value.strip()
        number = int(value)
    else:
        number = int(value)  # OverflowError for inf, ValueError for NaN
        if number != value:
            raise ValueError("not a whole number")
    if not -_INT_LIMIT <= number < _INT_LIMIT:
        raise OverflowError("does not fit 64 bits")
    return number


def _at_least(low: int):
    def convert(value):
        number = _integer(value)
        if number < low:
            raise ValueError("too small")
        return number

    return convert


def _int_within(low: int, high: int):
    def convert(value):
        number = _integer(value)
        if not low <= number <= high:
            raise ValueError("out of range")
        return number

    return convert


def _real(value) -> float:
    """A finite float: NaN and infinities are never a meaningful setting (they overflow in conversions)."""
    if isinstance(value, bool):
        raise TypeError("a bool is no number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not finite")
    return number


def _positive_real(value) -> float:
    number = _real(value)
    if not number > 0:
        raise ValueError("not positive")
    return number


def _within(low: float, high: float, *, open_low: bool = False):
    def convert(value):
        number = _real(value)
        if not ((low < number) if open_low else (low <= number)) or number > high:
            raise ValueError("out of range")
        return number

    return convert


def _optional(convert):
    return lambda value: None if value is None else convert(value)


def _boolean(value) -> bool:
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("1", "true", "yes", "on"):
            return True
        if word in ("0", "false", "no", "off"):
            return False
        raise ValueError(word)
    if isinstance(value, (bool, int)) and value in (0, 1):
        return bool(value)
    if getattr(value, "dtype", None) is not None and value.dtype.kind == "b" and value.shape == ():
        return bool(value)  # a numpy boolean
    raise TypeError(type(value).__name__)


positive_int = Check(_at_least(1), "a positive integer", "N")
optional_positive_int = Check(_optional(_at_least(1)), "a positive integer", "N")
non_negative_int = Check(_at_least(0), "a non-negative integer", "N")
any_int = Check(_integer, "an integer", "N")
positive_float = Check(_positive_real, "a positive number", "X")
optional_positive_float = Check(_optional(_positive_real), "a positive number", "X")
any_float = Check(_real, "a finite number", "X")
optional_float = Check(_optional(_real), "a finite number", "X")
probability = Check(_within(0.0, 1.0), "a probability in [0, 1]", "P")
keep_probability = Check(_within(0.0, 1.0, open_low=True), "a keep probability in (0, 1]", "P")
boolean = Check(_boolean, "true or false", "BOOL")
#: random seeds: what numpy and TensorFlow accept
seed = Check(_int_within(0, 2**32 - 1), "a seed in 0..4294967295", "N")
#: durations in seconds (window widths, clip and chunk lengths): at most an hour, so that sample
#: counts stay integers that fit memory
MAX_SECONDS = 3600.0
duration = Check(_within(0.0, MAX_SECONDS, open_low=True), f"a duration in seconds in (0, {MAX_SECONDS:g}]", "S")
optional_duration = Check(_optional(duration.convert), duration.expected, "S")
signed_duration = Check(_within(-MAX_SECONDS, MAX_SECONDS), f"seconds in [-{MAX_SECONDS:g}, {MAX_SECONDS:g}]", "S")


def one_of(choices: Sequence[str], *, case: str = "lower") -> Check:
    """A check for one of ``choices``, compared case-insensitively.

    Parameters
    ----------
    choices : sequence of str
        The accepted values, in the case they are stored in.
    case : {"lower", "upper"}
        How the given value is normalised before the comparison.
    """
    choices = tuple(choices)
    fold = str.upper if case == "upper" else str.lower

    def convert(value):
        if not isinstance(value, str):
            raise TypeError(type(value).__name__)
        word = fold(value.strip())
        if word not in choices:
            raise ValueError(word)
        return word

    return Check(convert, f"one of {', '.join(choices)}", "|".join(choices), choices=choices)


def member_of(enum_cls, *, metavar: str = "NAME") -> Check:
    """A check for a member of ``enum_cls``, given as itself or by its name (case-insensitive).

    Parameters
    ----------
    enum_cls : type[enum.Enum]
        An enumeration whose member names are upper case.
    metavar : str
        The value's name on the command line.
    """
    names = tuple(enum_cls.__members__)

    def convert(value):
        if isinstance(value, enum_cls):
            return value
        if isinstance(value, str) and value.strip().upper() in names:
            return enum_cls[value.strip().upper()]
        raise ValueError(value)

    return Check(convert, f"one of {', '.join(names)}", metavar)


def param(default, *, check: Check, help: str, flag: str | None = None, cli: bool = True,
          metavar: str | None = None, default_help: str | None = None):
    """A dataclass field declared with its check and help text.

    Parameters
    ----------
    default
        The default value (immutable).
    check : Check
        Validates and normalises the value (see the checks of this module).
    help : str
        One line for ``--help`` and the docs, without the default (it is added).
    flag : str, optional
        The command-line flag; default ``--`` + the name with ``-`` for ``_``.
    cli : bool
        False for a parameter that no command line sets (e.g. taken from the data).
    metavar : str, optional
        The value's name on the command line; default the check's.
    default_help : str, optional
        How ``--help`` words the default where the value itself says little (``None`` ->
        "all"); default the value; ``""``: the help text says it already (no "(default: ...)").

    Returns
    -------
    dataclasses.Field
    """
    metadata = {"check": check, "help": help, "flag": flag, "cli": cli, "metavar": metavar,
                "default_help": default_help}
    return dataclasses.field(default=default, metadata=metadata)


def params_of(cls_or_instance) -> Iterator[dataclasses.Field]:
    """The fields of a configuration class made with :func:`param`, in declaration order."""
    return (f for f in dataclasses.fields(cls_or_instance) if "check" in f.metadata)


def check_fields(instance) -> None:
    """Check and normalise every :func:`param` field of a frozen dataclass instance (in place).

    Raises
    ------
    ParameterError
        For the first field whose value is not acceptable; it names the field.
    """
    for f in params_of(instance):
        value = f.metadata["check"](f.name, getattr(instance, f.name))
        object.__setattr__(instance, f.name, value)


def values_of(instance) -> dict:
    """Field name -> value of every :func:`param` field (JSON-serialisable for the built-in checks)."""
    return {f.name: getattr(instance, f.name) for f in params_of(instance)}


def config_from(cls, values: dict, *, what: str):
    """An instance of configuration class ``cls`` from a dict of its parameters.

    Raises
    ------
    ParameterError
        Naming unknown parameters (``what``: "training options", ...) and listing the valid
        ones, or a bad value.
    """
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ParameterError(f"{', '.join(unknown)}: unknown {what}; expected some of {', '.join(sorted(names))}",
                             parameter=tuple(unknown))
    return cls(**values)
