"""``audeep help [COMMAND]``: cliff's help command, with one line for an unknown command."""

import difflib

from cliff.help import HelpCommand

from audeep.errors import ParameterError


def unknown_command_message(words, names) -> str:
    """``unknown command 'x'`` with the closest of the command ``names`` (or a pointer to ``--help``)."""
    typed = " ".join(words)
    close = difflib.get_close_matches(typed, names, n=3, cutoff=0.5)
    close += [n for n in names if n.split()[0] == words[0] and n not in close]
    hint = f"; did you mean {', '.join(repr(n) for n in close[:4])}?" if close else "; see 'audeep --help'"
    return f"unknown command {typed!r}{hint}"


class Help(HelpCommand):
    """Print help of the application or of a command."""

    def take_action(self, parsed_args):
        if parsed_args.cmd:
            manager = self.app.command_manager
            try:
                manager.find_command(parsed_args.cmd)
            except ValueError:
                names = sorted(name for name, _ in manager)
                if not any(n.startswith(parsed_args.cmd[0]) for n in names):
                    raise ParameterError(unknown_command_message(parsed_args.cmd, names)) from None
        return super().take_action(parsed_args)
