"""Generate the command reference (``docs/reference.md``) from the command-line parsers.

A development tool, not part of the installed package: it imports the installed
``audeep`` (its commands' entry points) and renders their parsers.

Every command registered in the ``audeep.commands`` entry-point namespace is loaded and
its ``argparse`` parser is rendered as Markdown: the command's description, then one
table row per option with its value name, default and help text.  The options that
cliff adds to every command that prints a table or a record (``-f``, ``-c``, ...) are
described once.  ``tests/test_docs.py`` fails when ``docs/reference.md`` differs from
what this script renders, so the reference cannot drift from ``--help``.

Regenerate with::

    python tools/reference.py --output docs/reference.md
"""

from __future__ import annotations

import argparse
import enum
import io
import re
import sys
from importlib.metadata import entry_points
from pathlib import Path

from audeep.cli.options import UNSET

__all__ = ["PIPELINE_ORDER", "command_parsers", "main", "render_reference"]

#: Commands in the order of the pipeline; any others follow alphabetically.
PIPELINE_ORDER = (
    "demo", "inspect raw", "preprocess", "inspect netcdf", "validate",
    "t-rae train", "t-rae generate", "f-rae train", "f-rae generate", "ft-rae train", "ft-rae generate",
    "mlp evaluate", "svm evaluate", "mlp predict", "svm predict",
    "modify", "fuse", "fuse chunks", "upsample", "export", "import", "visualize tsne",
)

_NAMESPACE = "audeep.commands"


def _app():
    from audeep.cli.app import AudeepApp

    return AudeepApp(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO())


def _command_names() -> dict:
    """Command name (spaces) -> entry point, for every registered command."""
    found = {ep.name.replace("_", " "): ep for ep in entry_points(group=_NAMESPACE)}
    order = {name: i for i, name in enumerate(PIPELINE_ORDER)}
    return dict(sorted(found.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def command_parsers() -> tuple:
    """Load every registered command and build its parser.

    Returns
    -------
    (dict, dict)
        Command name -> (command class, ``argparse.ArgumentParser``), and command name ->
        error message for the commands whose module cannot be imported.
    """
    app = _app()
    parsers, broken = {}, {}
    for name, ep in _command_names().items():
        try:
            cls = ep.load()
            parsers[name] = (cls, cls(app, None, cmd_name=name).get_parser(f"audeep {name}"))
        except Exception as exc:  # noqa: BLE001  (a command that does not load is reported, not fatal)
            broken[name] = f"{ep.value}: {type(exc).__name__}: {exc}"
    return parsers, broken


def _formatter_options() -> dict:
    """Option strings cliff adds to audeep's Lister / ShowOne commands -> that kind's parser."""
    from audeep.cli.options import Lister, ShowOne

    class _Table(Lister):
        """A command that prints a table."""

        def take_action(self, parsed_args):  # pragma: no cover - never run
            return (), ()

    class _Record(ShowOne):
        """A command that prints one record."""

        def take_action(self, parsed_args):  # pragma: no cover - never run
            return (), ()

    app = _app()
    return {"table": _Table(app, None).get_parser("audeep COMMAND"),
            "record": _Record(app, None).get_parser("audeep COMMAND")}


def _own_actions(parser: argparse.ArgumentParser, *, formatters: bool = False) -> list:
    """The parser's options, without ``-h`` and hidden ones; without the output formatters' when ``formatters``."""
    skip = {id(a) for g in parser._action_groups if (g.title or "").lower().endswith(("formatter", "formatters"))
            for a in g._group_actions} if formatters else set()
    return [a for a in parser._actions
            if not isinstance(a, argparse._HelpAction) and a.help != argparse.SUPPRESS and id(a) not in skip]


def _option_strings(parser: argparse.ArgumentParser) -> set:
    return {s for a in parser._actions if not isinstance(a, argparse._HelpAction) for s in a.option_strings}


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(action: argparse.Action) -> str:
    if action.required:
        return "**required**"
    if isinstance(action, argparse._StoreTrueAction):
        return "off"
    if isinstance(action, argparse._StoreFalseAction):
        return "on"
    if isinstance(action, argparse._CountAction):
        return str(action.default or 0)
    value = action.default
    if value is UNSET:  # a --recipe fills it in, else the declared default that the help text names
        named = re.findall(r"\(default: ([^)]*)\)", action.help or "")
        return f"`{named[-1]}`" if named else "—"
    if value is None or value == argparse.SUPPRESS:
        return "—"
    if value == "":
        return '`""`'
    if isinstance(value, enum.Enum):
        value = value.name
    elif isinstance(value, (list, tuple)):
        value = " ".join(str(v.name if isinstance(v, enum.Enum) else v) for v in value) or "(none)"
    return f"`{value}`"


def _signature(action: argparse.Action, formatter: argparse.HelpFormatter) -> str:
    if not action.option_strings:
        text = f"`{formatter._metavar_formatter(action, action.dest)(1)[0]}`"
    elif action.nargs == 0:
        text = ", ".join(f"`{s}`" for s in action.option_strings)
    else:
        args = formatter._format_args(action, action.dest.upper())
        text = ", ".join(f"`{s} {args}`" for s in action.option_strings)
    return text.replace("|", "\\|")


def _help(action: argparse.Action, formatter: argparse.HelpFormatter) -> str:
    text = formatter._expand_help(action) if action.help else ""
    if action.choices is not None and not isinstance(action.choices, range):
        choices = ", ".join(str(c) for c in action.choices)
        if choices not in text:
            text = f"{text} (one of: {choices})" if text else f"one of: {choices}"
    return _cell(text)


def _table(actions: list, parser: argparse.ArgumentParser) -> list:
    formatter = parser._get_formatter()
    lines = ["| option | default | description |", "|---|---|---|"]
    for action in actions:
        lines.append(f"| {_signature(action, formatter)} | {_default(action)} | {_help(action, formatter)} |")
    return lines


def _anchor(name: str) -> str:
    return "audeep-" + name.replace(" ", "-")


def render_reference() -> str:
    """The Markdown command reference, as ``docs/reference.md`` holds it."""
    from audeep import __version__

    parsers, broken = command_parsers()
    kinds = _formatter_options()
    app_parser = _app().parser

    out = [
        "# Command reference",
        "",
        ("<!-- Generated from the command-line parsers by `python tools/reference.py --output "
         "docs/reference.md`; tests/test_docs.py fails when it drifts. Do not edit by hand. -->"),
        "",
        (f"Every command of `audeep` {__version__} and every option with its default, as `audeep COMMAND --help` "
         "shows them. Enum values (`--cell`, `--channels`, `--format`, ...) are case-insensitive. "
         "Every command also accepts `-h`, `--help`."),
        "",
        "## Contents",
        "",
        "- [Global options](#global-options)",
    ]
    out += [f"- [`audeep {name}`](#{_anchor(name)})" for name in parsers]
    out += ["- [Output formatters](#output-formatters)", "", "## Global options", "",
            "Given before the command: `audeep [GLOBAL OPTIONS] COMMAND [OPTIONS]`.", ""]
    out += _table(_own_actions(app_parser), app_parser)
    for name, (cls, parser) in parsers.items():
        out += ["", f'<a id="{_anchor(name)}"></a>', "", f"## `audeep {name}`", ""]
        description = (parser.description or "").strip()
        if description:
            out += [description, ""]
        kind = _kind(parser, kinds)
        actions = _own_actions(parser, formatters=kind is not None)
        if actions:
            out += _table(actions, parser)
        else:
            out.append("No options besides `-h`.")
        if kind:
            formats = "|".join(_formats(kinds[kind]))
            out += ["", (f"Prints a {kind}; accepts the [output formatter options](#output-formatters) "
                         f"(`-f {formats}`, ...).")]
    if broken:
        out += ["", "## Registered commands not available in this build", ""]
        out += [f"- `audeep {name}`: {_cell(msg)}" for name, msg in broken.items()]
    out += ["", "## Output formatters", "",
            "Commands that print results do so through cliff's formatters, on stdout; logs go to stderr.", ""]
    own_format = [name for name, (_, parser) in parsers.items()
                  if any("-f" in a.option_strings and "--format" not in a.option_strings for a in parser._actions)]
    if own_format:
        out += [("In " + ", ".join(f"`audeep {n}`" for n in own_format) + ", `--format` is the command's own "
                 "option (the original auDeep's), so the output format is given with `-f` only."), ""]
    for kind, base in kinds.items():
        out += [f"### Commands that print a {kind}", ""]
        out += _table(_own_actions(base), base)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _kind(parser: argparse.ArgumentParser, kinds: dict) -> str | None:
    """The kind of output ("table" or "record") whose formatter options ``parser`` has, if any."""
    has = _option_strings(parser)
    for kind, base in kinds.items():
        if _option_strings(base) <= has:
            return kind
    return None


def _formats(parser: argparse.ArgumentParser) -> list:
    for action in parser._actions:
        if "-f" in action.option_strings and action.choices:
            return list(action.choices)
    return []


def main(argv=None) -> int:
    """``python tools/reference.py [--output FILE]``: print or write the reference."""
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--output", type=Path, help="write to this file instead of stdout")
    parsed = args.parse_args(argv)
    text = render_reference()
    if parsed.output is None:
        sys.stdout.write(text)
    else:
        parsed.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
