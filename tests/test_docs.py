"""The documentation agrees with the code: the command reference, links, the README's commands."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import load_script

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TOOL = ROOT / "tools" / "reference.py"
REGENERATE = "python tools/reference.py --output docs/reference.md"


def _load_tool():
    """``tools/reference.py``, imported from its path (it is a script, not part of the package)."""
    return load_script(TOOL, "audeep_tools_reference")


@pytest.fixture(scope="module")
def parsers():
    return _load_tool().command_parsers()


@pytest.fixture(scope="module")
def reference():
    return (DOCS / "reference.md").read_text(encoding="utf-8")


def test_reference_is_up_to_date(reference):
    """Rendered in a fresh interpreter, as a user's `audeep` sees the commands."""
    expected = subprocess.run([sys.executable, str(TOOL)], capture_output=True, text=True,
                              check=True, cwd=ROOT).stdout
    if reference != expected:
        old, new = reference.splitlines(), expected.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
        pytest.fail(f"docs/reference.md differs from the CLI's parsers from line {first + 1}:\n"
                    f"  docs:   {old[first] if first < len(old) else '<end>'}\n"
                    f"  parser: {new[first] if first < len(new) else '<end>'}\n"
                    f"regenerate it with: {REGENERATE}")


def _section(reference: str, name: str) -> str:
    match = re.search(rf"^## `audeep {re.escape(name)}`\n(.*?)(?=^## )", reference, re.S | re.M)
    assert match, f"docs/reference.md has no section for `audeep {name}` ({REGENERATE})"
    return match.group(1)


def test_every_option_and_default_is_documented(parsers, reference):
    """Independently of the renderer's layout: each command's own options, with their
    non-trivial defaults, appear in its section; cliff's formatter options at the end."""
    import argparse

    from cliff.display import DisplayCommandBase

    commands, _ = parsers
    assert commands
    formatters = reference[reference.index("## Output formatters"):]
    unavailable = reference.split("## Registered commands not available in this build")[-1] \
        if "## Registered commands not available" in reference else ""
    for name, (cls, parser) in commands.items():
        if f"`audeep {name}`:" in unavailable:
            continue  # documented as not loading in a fresh interpreter (test_reference_is_up_to_date)
        section = _section(reference, name)
        # the options cliff adds to a command that prints results come with its formatter plugins
        cliff_options = set()
        if issubclass(cls, DisplayCommandBase):
            cliff_options = {s for group in parser._action_groups
                             if group.title.lower().endswith(("formatter", "formatters"))
                             for a in group._group_actions for s in a.option_strings}
        for group in parser._action_groups:
            for action in group._group_actions:
                if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
                    continue
                own = not set(action.option_strings) & cliff_options
                for option in action.option_strings:
                    where = section if own else formatters
                    assert f"`{option}" in where, f"`audeep {name}`: {option} missing from docs/reference.md " \
                                                  f"({REGENERATE})"
                default = action.default
                if own and action.option_strings and isinstance(default, (int, float, str)) \
                        and not isinstance(default, bool) and default not in ("", argparse.SUPPRESS) \
                        and not isinstance(action, argparse._CountAction):
                    row = next(line for line in section.splitlines() if f"`{action.option_strings[0]}" in line)
                    assert f"`{default}`" in row, (f"`audeep {name} {action.option_strings[0]}`: default "
                                                   f"{default!r} is not in its row of docs/reference.md: {row}")


def test_reference_matches_help_text(cli, parsers, reference):
    """The descriptions in the reference are those `--help` prints (spot check: validate)."""
    result = cli("validate", "--help")
    assert result.status == 0
    section = _section(reference, "validate")
    assert "list every offending file" in result.stdout and "list every offending file" in section


def _markdown_files():
    return sorted(DOCS.glob("*.md")) + [ROOT / "README.md"]


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: p.name)
def test_relative_links_resolve(path):
    text = path.read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text)) | {
        re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in re.findall(r"^#+ (.*)$", text, re.M)}
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        if file:
            assert (path.parent / file).exists(), f"{path.name}: broken link {target}"
        elif anchor:
            assert anchor in anchors, f"{path.name}: no anchor #{anchor}"


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    assert [b.strip() for b in blocks[:2]] == ['pip install -e ".[test]" && audeep demo', "pytest"]


def test_docs_name_only_real_commands(parsers):
    """Every `audeep COMMAND` written in a code block of the docs is a registered command."""
    commands, broken = parsers
    known = set(commands) | set(broken) | {"help"}
    words = {name.split()[0] for name in known}
    for path in _markdown_files():
        text = path.read_text(encoding="utf-8")
        for block in re.findall(r"```(?:bash|text)?\n(.*?)```", text, re.S):
            for line in block.splitlines():
                match = re.match(r"^\s*audeep ((?:[a-z][\w-]*)(?: [a-z][\w-]*)?)", line)
                if not match or match.group(1).split()[0] in ("--help", "--version"):
                    continue
                first, *rest = match.group(1).split()
                assert first in words, f"{path.name}: unknown command in `{line.strip()}`"
                if rest and f"{first} {rest[0]}" not in known:
                    assert first in known, f"{path.name}: unknown command in `{line.strip()}`"
