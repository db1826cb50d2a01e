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
from cliff.formatters.commaseparated import CSVLister

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
    "add_shard_size",
    "add_scheduler",
    "add_partitions",
    "add_features",
    "add_params",
    "name_flags",
    "params_from_args",
    "Command",
    "Lister",
    "ShowOne",
    "record",
    "dataset_record",
    "own_format_option",
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
    #: destinations of the files a command writes, and of those it reads: no output may be an input
    output_dests: tuple = ("output", "outputs", "results", "confusion_matrix", "plot")
    input_dests: tuple = ("input", "train_input", "eval_input")
    #: outputs that are folders (the others are files: an existing folder there is refused before any work)
    folder_outputs: tuple = ()

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
        self.configure_progress()
        with self.naming_flags():
            self.refuse_overwriting_inputs(parsed_args)
            return super().run(parsed_args)

    @staticmethod
    def _paths(parsed_args, dests) -> list:
        values = [getattr(parsed_args, d, None) for d in dests]
        return [p for v in values for p in (v if isinstance(v, list) else [v]) if p is not None]

    def input_files(self, parsed_args) -> list:
        """The files this command reads: those its :attr:`input_dests` name."""
        return self._paths(parsed_args, self.input_dests)

    def refuse_overwriting_inputs(self, parsed_args) -> None:
        """ParameterError (naming the flag) if a file this command would write is one it reads."""
        from audeep._atomic import refuse_overwriting_inputs

        inputs = self.input_files(parsed_args)
        for dest in self.output_dests:
            for output in self._paths(parsed_args, [dest]):
                refuse_overwriting_inputs(output=output, inputs=inputs, parameter=dest, folder=dest in
                                          self.folder_outputs or getattr(parsed_args, "shard_size", None) is not None)

    def configure_progress(self) -> None:
        """Progress of long steps: none under ``-q``, else a bar on a terminal, log records elsewhere."""
        from audeep import _progress

        _progress.set_default(False if self.app.options.verbose_level == 0 else None)

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
    """Base class of audeep's commands that print one record (``-f`` formats).

    cliff offers ``csv`` only for tables; here a record is also a one-row CSV table (a header
    line and a value line), so ``-f csv`` works on every command.
    """

    def _load_formatter_plugins(self):
        from stevedore import ExtensionManager
        from stevedore.extension import Extension

        manager = super()._load_formatter_plugins()
        if "csv" in manager.names():
            return manager
        extensions = [*manager.extensions, Extension("csv", None, _CSVRecord, _CSVRecord())]
        return ExtensionManager.make_test_instance(extensions, namespace=self.formatter_namespace)


class _CSVRecord(CSVLister):
    """cliff's CSV table formatter, for one record: a header line and one line of values."""

    def emit_one(self, column_names, data, stdout, parsed_args):
        self.emit_list(column_names, [data], stdout, parsed_args)


def record(**fields) -> tuple:
    """``(names, values)`` for :meth:`ShowOne.take_action` from keyword arguments (names with spaces for ``_``).

    Paths become strings and tuples ``a x b`` shapes, so every formatter (json, yaml, csv)
    can write them.
    """
    names, values = [], []
    for name, value in fields.items():
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = "x".join(str(v) for v in value)
        names.append(name.replace("_", " "))
        values.append(value)
    return tuple(names), tuple(values)


def dataset_record(dataset, path, **extra) -> tuple:
    """The record of a command that wrote a data set: the file, its instances, files and feature shape."""
    return record(output=Path(path), instances=dataset.num_instances, files=len(set(dataset.filenames.tolist())),
                  feature_shape=tuple(dataset.feature_shape), **extra)


def own_format_option(parser: argparse.ArgumentParser, *args, **kwargs) -> None:
    """Add a command's own ``--format`` (the original's ``export --format CSV|ARFF``).

    cliff's output formatter is ``-f/--format``; the command's option takes ``--format`` and
    the formatter keeps ``-f`` (argparse's "resolve" conflict handling drops the long name
    from the formatter option only).
    """
    optionals = parser._optionals  # argparse adds options through this group, with its own handler
    handler, optionals.conflict_handler = optionals.conflict_handler, "resolve"
    try:
        parser.add_argument("--format", *args, **kwargs)
    finally:
        optionals.conflict_handler = handler


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
    parser.add_argument("--seed", type=seed, default=default, metavar="N",
                        help=f"random seed (default: {default})")


def add_batch_size(parser: argparse.ArgumentParser, *, default: int) -> None:
    """``--batch-size N``."""
    parser.add_argument("--batch-size", type=positive_int, default=default, metavar="N",
                        help=f"instances per batch (default: {default})")


def add_jobs(parser: argparse.ArgumentParser) -> None:
    """``--jobs N``: worker processes (default: all cores)."""
    parser.add_argument("--jobs", type=positive_int, default=None, metavar="N",
                        help="worker processes (default: the number of CPU cores)")


def add_scheduler(parser: argparse.ArgumentParser, *, default_help: str = "--jobs local processes") -> None:
    """``--scheduler ADDRESS|local:N``: run the work on a Dask cluster (the dask extra)."""
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS|local:N",
                        help="run on Dask: a running scheduler (tcp://host:8786) or local:N (N worker processes "
                             f"started for this command); needs the dask extra (default: {default_help})")


def add_shard_size(parser: argparse.ArgumentParser, *, unit: str = "audio files") -> None:
    """``--shard-size N``: write the output as a folder of shards of N ``unit`` (docs/data-model.md)."""
    parser.add_argument("--shard-size", type=int, default=None, metavar="N",
                        help=f"write --output as a folder of shard files of N {unit} each plus manifest.json, "
                             "read as one data set; a re-run keeps the complete shards (default: one file)")


def add_features(parser: argparse.ArgumentParser, *, note: str = "") -> None:
    """``--features SPEC``: a read-out specification (:mod:`audeep.models.readouts`), checked by the library."""
    parser.add_argument("--features", default="bottleneck", metavar="SPEC",
                        help="what to write: terms joined by +: bottleneck (the representation, the paper's "
                             "feature), pooled (mean and std over time of the top encoder layer, per direction), "
                             "layers (mean, std and max over time of every encoder layer and direction); "
                             "pooled:STATS and layers:STATS take a comma list of mean, std, max; both = "
                             f"bottleneck+pooled; e.g. bottleneck+layers, layers:mean,std{note} (default: bottleneck)")


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
seed = _cli_parser(_checks.seed)


def _flag(field) -> str:
    return field.metadata["flag"] or "--" + field.name.replace("_", "-")


#: The value of a flag that :func:`add_params` added with ``unset=True`` and that was not given.
UNSET = type("Unset", (), {"__repr__": lambda self: "UNSET"})()


class _Switch(argparse.Action):
    """``--NAME`` sets True, ``--no-NAME`` False (the switches of :func:`add_params` with ``unset=True``)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, not option_string.startswith("--no-"))

    def format_usage(self) -> str:
        return " | ".join(self.option_strings)


def add_params(group, config_cls, *, exclude=(), only=None, help_overrides: "dict | None" = None,
               default_help: "dict | None" = None, unset: bool = False) -> None:
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
    unset : bool
        Flags not given are :data:`UNSET` (left out by :func:`params_from_args`) instead of
        their default, so that a preset (``--recipe``) can fill them in.
    """
    from audeep._params import boolean, params_of

    for field in params_of(config_cls):
        meta = field.metadata
        if not meta["cli"] or field.name in exclude or (only is not None and field.name not in only):
            continue
        text = (help_overrides or {}).get(field.name, meta["help"])
        if meta["check"] is boolean:
            name = field.name.replace("_", "-")
            if unset:  # a preset may set either value, so both spellings override it
                group.add_argument(f"--{name}", f"--no-{name}", dest=field.name, action=_Switch, default=UNSET,
                                   help=f"{text} (default: {'on' if field.default else 'off'})")
                continue
            flag = meta["flag"] or ("--no-" if field.default else "--") + name
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
        group.add_argument(_flag(field), dest=field.name, type=_cli_parser(check), default=UNSET if unset else default,
                           choices=choices,
                           metavar=None if choices else meta["metavar"] or check.metavar, help=text)


def params_from_args(config_cls, args, *, exclude=()) -> dict:
    """Parameter name -> parsed value for the flags :func:`add_params` added to a parser (:data:`UNSET` left out)."""
    from audeep._params import params_of

    return {f.name: getattr(args, f.name) for f in params_of(config_cls)
            if f.metadata["cli"] and f.name not in exclude and getattr(args, f.name, UNSET) is not UNSET}
