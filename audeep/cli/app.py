"""The cliff application behind the ``audeep`` executable.

Commands are registered as entry points in the ``audeep.commands`` namespace
(``setup.py``); multi-word names such as ``t-rae train`` use an underscore in the
entry point name.  Errors derived from :class:`audeep.errors.AudeepError` are printed
as one line and give a non-zero exit status; ``--debug`` shows tracebacks.
"""

import logging
import os
import signal
import sys

from cliff.app import App
from cliff.commandmanager import CommandManager

from audeep import __version__
from audeep._atomic import os_error_message, signals_interrupt
from audeep._tensorflow import quiet_tensorflow_import
from audeep.errors import AudeepError

_DESCRIPTION = (
    "audeep: unsupervised representation learning from audio with recurrent "
    "sequence-to-sequence autoencoders (a re-implementation of auDeep)."
)

#: cliff's exit status after a KeyboardInterrupt (Ctrl-C, or SIGTERM / SIGHUP through signals_interrupt)
_INTERRUPTED = 130

# third-party loggers that talk too much at INFO level
_NOISY_LOGGERS = ("matplotlib", "numba", "h5py", "tensorflow", "absl", "stevedore", "PIL", "urllib3", "distributed")


class _OneLineErrors(logging.Filter):
    """Turn the exception that cliff logs for a failed command into one readable line."""

    def filter(self, record: logging.LogRecord) -> bool:
        err = record.msg
        if isinstance(err, BaseException) and record.exc_info is None:
            if isinstance(err, AudeepError):
                record.msg = f"error: {err}"
            elif isinstance(err, OSError) and err.filename is not None:  # names its file: clear enough
                record.msg = f"error: {os_error_message(err)}"
            else:
                record.msg = (f"error: unexpected {type(err).__name__}: {err} "
                              "(run with --debug for the traceback)")
            record.args = ()
        return True


class _LazyCommandManager(CommandManager):
    """Registers the commands' entry points without importing them.

    cliff's manager imports every command module up front (through stevedore); here a
    command's module is imported only when that command runs (or help lists it), so
    ``audeep preprocess`` does not pay for xarray, scikit-learn or TensorFlow imports.
    """

    def load_commands(self, namespace: str) -> None:
        from importlib.metadata import entry_points

        self.group_list.append(namespace)
        for ep in entry_points(group=namespace):
            if self._is_module_ignored(ep.value, self.ignored_modules):
                continue
            self.commands[ep.name.replace("_", " ") if self.convert_underscores else ep.name] = ep


class AudeepApp(App):
    """The audeep command-line application."""

    NAME = "audeep"
    LOG = logging.getLogger(NAME)
    _handlers: list = []

    def __init__(self, **streams):
        super().__init__(
            description=_DESCRIPTION,
            version=__version__,
            command_manager=_LazyCommandManager("audeep.commands"),
            deferred_help=True,
            **streams,
        )
        self.LOG.addFilter(_OneLineErrors())
        from audeep.cli.help import Help

        self.command_manager.add_command("help", Help)  # one line for an unknown command

    def configure_logging(self) -> None:
        verbose = self.options.verbose_level
        # TensorFlow reads these when it is first imported (only by the commands that need it)
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if verbose >= 2 else "3")
        root = logging.getLogger("")
        before = set(root.handlers)
        for handler in AudeepApp._handlers:  # an earlier run in this process (tests, interactive)
            root.removeHandler(handler)
        super().configure_logging()
        quiet_tensorflow_import(verbose < 2)  # TensorFlow's start-up messages only with -v -v
        AudeepApp._handlers = [h for h in root.handlers if h not in before]
        level = logging.DEBUG if verbose >= 3 else logging.WARNING
        for name in _NOISY_LOGGERS:
            logging.getLogger(name).setLevel(level)

    def run(self, argv) -> int:
        with signals_interrupt() as caught:  # SIGTERM and SIGHUP take Ctrl-C's path: temporaries are removed
            status = super().run(argv)
        if status == _INTERRUPTED:
            signum = caught.signum or signal.SIGINT
            self.stderr.write(f"interrupted by {signal.Signals(signum).name}\n")
            self.stderr.flush()
            return 128 + signum
        if self.interactive_mode and getattr(self, "interpreter", None) is not None:
            return 0  # cliff reports 1 after the interactive shell's quit
        return status


def main(argv=None) -> int:
    """Run the ``audeep`` command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments; default ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status.
    """
    return AudeepApp().run(sys.argv[1:] if argv is None else list(argv))


def console_main() -> None:
    """The ``audeep`` executable: run :func:`main`, flush, and exit without interpreter teardown.

    Tearing down TensorFlow, scipy and the HDF5 library at exit takes 0.05 s (preprocess)
    to 0.5 s (any TensorFlow command) and does nothing useful: every output is closed and
    renamed by then.  Standard streams and log handlers are flushed first.
    """
    status = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (``audeep ... | head``) or stream
            pass
    logging.shutdown()
    os._exit(int(status or 0))


if __name__ == "__main__":
    console_main()
