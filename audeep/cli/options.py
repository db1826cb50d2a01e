"""Option groups and argument types shared by several commands (defined once here).

Every command module adds its options through these helpers, so the same option has
the same name, type, default and help text everywhere.
"""

import argparse
import contextlib
import re
from pathlib import Path

from cliff import command as _command
from cliff import lister as _lister
from cliff import show as _show

from audeep import _params as _checks
from audeep.errors import AudeepError

__all__ = [
    "positive_int",
    "non_negative_int",
    "positive_float",
    "probability",
    "add_input",
    "add_output",
    "add_seed",
    "add_batch_size",
    "add_jobs",
    "add_partitions",
    "add_params",
    "name_flags",
    "params_from_args",
    "Command",
    "Lister",
    "ShowOne",
]


class _Base:
    """What every audeep command shares: its epilog, and flags in place of parameter names in errors.

    cliff's default epilog also names the plugin's distribution, which scans every installed
    package's file list: 0.2 s of start-up for every command.

    Library errors name Python parameters (:attr:`audeep.errors.AudeepError.parameters`);
    :meth:`run` writes the command's flag in place of each: the flag whose destination is
    the parameter, or the one :attr:`parameter_flags` names.
    """

    #: library parameter -> flag, for parameters that no flag has as its destination
    parameter_flags: dict = {}

    def get_epilog(self) -> str:
        parts = [self._epilog or ""]
        parts.extend(e for h in self._hooks if h.obj is not None and (e := h.obj.get_epilog()) is not None)
        return "\n\n".join(parts)

    def flags(self) -> dict:
        """Parameter (argparse destination) -> the command's flag for it."""
        parser = self.get_parser(f"audeep {self.cmd_name or ''}".strip())
        found = {}
        for action in parser._actions:
            long = [o for o in action.option_strings if o.startswith("--")]
            if long and action.dest not in found:
                found[action.dest] = long[0]
        return {**found, **self.parameter_flags}

    def run(self, parsed_args):
        with self.naming_flags():
            return super().run(parsed_args)

    @contextlib.contextmanager
    def naming_flags(self):
        """Context in which an :class:`AudeepError` gets this command's flags in place of parameter names."""
        try:
            yield
        except AudeepError as err:
            if err.parameters and err.args:
                err.args = (name_flags(str(err.args[0]), err.parameters, self.flags()),) + err.args[1:]
            raise


def name_flags(message: str, parameters, flags: dict) -> str:
    """``message`` with the first mention of each of ``parameters`` (a whole word) replaced by its flag.

    Library messages name a parameter first (``num_units 0: ...``); later words may be a
    value (a folder called ``output``) and stay as they are.

    A word inside a path, a file name or quotes (``/data/mode/x.wav``, ``mode.wav``, ``'mode'``)
    is left alone.

    Examples
    --------
    >>> name_flags("num_units 0: expected a positive integer", ["num_units"], {"num_units": "--num-units"})
    '--num-units 0: expected a positive integer'
    """
    for name in parameters:
        flag = flags.get(name)
        if flag:
            message = re.sub(rf"(?<![\w\-/\\.'\"]){re.escape(name)}(?![\w\-/\\'\"]|\.\w)", flag, message,
                             count=1)
    return message


class Command(_Base, _command.Command):
    """Base class of audeep's commands without tabular output."""


class Lister(_Base, _lister.Lister):
    """Base class of audeep's commands that print a table (``-f`` formats)."""


class ShowOne(_Base, _show.ShowOne):
    """Base class of audeep's commands that print one record (``-f`` formats)."""


def add_input(parser: argparse.ArgumentParser, *, multiple: bool = False, required: bool = True,
              help: str = "the data set file (netCDF)") -> None:
    """``--input FILE`` (or ``--input FILE [FILE ...]``)."""
    parser.add_argument("--input", type=Path, nargs="+" if multiple else None, required=required,
                        metavar="FILE", help=help)


def add_output(parser: argparse.ArgumentParser, *, required: bool = True, default=None,
               help: str = "the output file") -> None:
    """``--output FILE``."""
    parser.add_argument("--output", type=Path, required=required, default=default, metavar="FILE", help=help)


def add_seed(parser: argparse.ArgumentParser, *, default: int = 42) -> None:
    """``--seed N``: the random seed, for reproducible runs."""
    parser.add_argument("--seed", type=int, default=default, metavar="N",
                        help=f"random seed (default: {default})")


def add_batch_size(parser: argparse.ArgumentParser, *, default: int) -> None:
    """``--batch-size N``."""
    parser.add_argument("--batch-size", type=positive_int, default=default, metavar="N",
                        help=f"instances per batch (default: {default})")


def add_jobs(parser: argparse.ArgumentParser) -> None:
    """``--jobs N``: worker processes (default: all cores)."""
    parser.add_argument("--jobs", type=positive_int, default=None, metavar="N",
                        help="worker processes (default: the number of CPU cores)")


def add_partitions(parser: argparse.ArgumentParser, flag: str, *, help: str, required: bool = False) -> None:
    """A list of partition names (train, devel, test; case-insensitive)."""
    parser.add_argument(flag, nargs="+", metavar="PARTITION", required=required,
                        type=lambda v: v.strip().lower(), choices=["train", "devel", "test"], help=help)


def _cli_parser(check):
    def parse(value: str):
        try:
            return (check.parse or check.convert)(value)
        except (TypeError, ValueError, OverflowError):
            raise argparse.ArgumentTypeError(f"{value!r} is not {check.expected}")

    parse.__name__ = check.expected
    return parse


# argparse types of the hand-written flags, from the same checks as the declared parameters
positive_int = _cli_parser(_checks.positive_int)
non_negative_int = _cli_parser(_checks.non_negative_int)
positive_float = _cli_parser(_checks.positive_float)
probability = _cli_parser(_checks.probability)


def _flag(field) -> str:
    return field.metadata["flag"] or "--" + field.name.replace("_", "-")


def add_params(group, config_cls, *, exclude=(), only=None, help_overrides: "dict | None" = None,
               default_help: "dict | None" = None) -> None:
    """Add one flag per parameter of a configuration class (see :mod:`audeep._params`).

    The flag's destination is the parameter's name, its default and help text those of the
    declaration; a boolean that defaults to False is a switch, one that defaults to True a
    ``--no-...`` switch.

    Parameters
    ----------
    group : argparse.ArgumentParser or argument group
    config_cls : type
        A frozen dataclass whose fields were made with :func:`audeep._params.param`.
    exclude : collection of str
        Parameters that this command does not offer.
    only : collection of str, optional
        Offer only these parameters.
    help_overrides, default_help : dict, optional
        Parameter -> help text, or -> the default's wording, where one command words it differently.
    """
    from audeep._params import boolean, params_of

    for field in params_of(config_cls):
        meta = field.metadata
        if not meta["cli"] or field.name in exclude or (only is not None and field.name not in only):
            continue
        text = (help_overrides or {}).get(field.name, meta["help"])
        if meta["check"] is boolean:
            flag = meta["flag"] or ("--no-" if field.default else "--") + field.name.replace("_", "-")
            group.add_argument(flag, dest=field.name, action="store_false" if field.default else "store_true",
                               help=text)
            continue
        default, check = field.default, meta["check"]
        shown = (default_help or {}).get(field.name, meta.get("default_help"))
        if shown is None:
            shown = f"{default:g}" if isinstance(default, float) else getattr(default, "name", default)
        if shown != "":
            text = f"{text} (default: {shown})"
        choices = check.choices if meta["metavar"] is None else None  # shown as {a,b}
        group.add_argument(_flag(field), dest=field.name, type=_cli_parser(check), default=default, choices=choices,
                           metavar=None if choices else meta["metavar"] or check.metavar, help=text)


def params_from_args(config_cls, args, *, exclude=()) -> dict:
    """Parameter name -> parsed value for the flags :func:`add_params` added to a parser."""
    from audeep._params import params_of

    return {f.name: getattr(args, f.name) for f in params_of(config_cls)
            if f.metadata["cli"] and f.name not in exclude and hasattr(args, f.name)}
