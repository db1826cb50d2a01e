"""Option groups and argument types shared by several commands (defined once here).

Every command module adds its options through these helpers, so the same option has
the same name, type, default and help text everywhere.
"""

import argparse
import enum
from pathlib import Path

from cliff import command as _command
from cliff import lister as _lister
from cliff import show as _show

__all__ = [
    "enum_type",
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
    "Command",
    "Lister",
    "ShowOne",
]


class _Epilog:
    """Command epilog from the class's own text only.

    cliff's default also names the plugin's distribution, which scans every installed
    package's file list: 0.2 s of start-up for every command.
    """

    def get_epilog(self) -> str:
        parts = [self._epilog or ""]
        parts.extend(e for h in self._hooks if h.obj is not None and (e := h.obj.get_epilog()) is not None)
        return "\n\n".join(parts)


class Command(_Epilog, _command.Command):
    """Base class of audeep's commands without tabular output."""


class Lister(_Epilog, _lister.Lister):
    """Base class of audeep's commands that print a table (``-f`` formats)."""


class ShowOne(_Epilog, _show.ShowOne):
    """Base class of audeep's commands that print one record (``-f`` formats)."""


def enum_type(enum_cls: "type[enum.Enum]"):
    """An argparse type that parses an enum member name case-insensitively."""

    def parse(value: str):
        try:
            return enum_cls[value.strip().upper()]
        except KeyError:
            choices = ", ".join(m.name for m in enum_cls)
            raise argparse.ArgumentTypeError(f"{value!r} is not one of {choices} (case-insensitive)")

    parse.__name__ = enum_cls.__name__
    return parse


def _number(kind, predicate, what):
    def parse(value: str):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not {what}")
        if not predicate(number):
            raise argparse.ArgumentTypeError(f"{value!r} is not {what}")
        return number

    parse.__name__ = what
    return parse


positive_int = _number(int, lambda v: v > 0, "a positive integer")
non_negative_int = _number(int, lambda v: v >= 0, "a non-negative integer")
positive_float = _number(float, lambda v: v > 0, "a positive number")
probability = _number(float, lambda v: 0.0 <= v <= 1.0, "a probability in [0, 1]")


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
