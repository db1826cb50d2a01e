"""Progress of long steps, one rule everywhere: a bar on a terminal, log records otherwise, nothing when off.

Training (per epoch), generation, extraction, import and evaluation report through
:class:`Progress`:

- stderr is a terminal: a tqdm bar (carriage-return frames);
- stderr is a file or a pipe: a one-line INFO record of the ``audeep.progress`` logger at most
  every :data:`LOG_INTERVAL` seconds, and one when the step ends (no carriage returns in logs);
- disabled (``enabled=False``, or the command line's ``-q`` through :func:`set_default`): nothing.

This module imports neither TensorFlow nor numpy.
"""

from __future__ import annotations

import logging
import sys
import time

__all__ = ["LOG_INTERVAL", "Progress", "set_default"]

log = logging.getLogger("audeep.progress")

#: seconds between two log records when stderr is not a terminal
LOG_INTERVAL = 10.0

#: what ``enabled=None`` means: None = decide by the terminal; False = off (``-q``); True = on
_default: "bool | None" = None


def set_default(enabled: "bool | None") -> None:
    """What ``Progress(enabled=None)`` does from now on: decide by the terminal (None), off (False) or on (True)."""
    global _default
    _default = enabled


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Progress:
    """Progress of one long step over ``total`` units.

    Parameters
    ----------
    total : int
        Units of work (files, batches, folds).
    desc : str
        What is done, e.g. ``"epoch 3"`` or ``"spectrograms"``.
    unit : str
        The unit's name, e.g. ``"file"``.
    enabled : bool, optional
        False: report nothing; True or None: a bar on a terminal, log records otherwise. None
        follows :func:`set_default` (the command line turns it off with ``-q``).
    stream : file-like, optional
        Where the bar goes (default: ``sys.stderr`` at the time of the call).

    Examples
    --------
    >>> with Progress(3, desc="demo", unit="item", enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.update(1)
    """

    def __init__(self, total: int, *, desc: str, unit: str, enabled: "bool | None" = None, stream=None):
        self.total, self.desc, self.unit = int(total), desc, unit
        self.done = 0
        self.postfix = ""
        self._start = self._last = time.monotonic()
        self._bar = None
        stream = sys.stderr if stream is None else stream
        if enabled is None:
            enabled = _default
        if enabled is False:
            self.mode = "off"
        elif _is_terminal(stream):
            from tqdm import tqdm

            self.mode = "bar"
            self._bar = tqdm(total=self.total, desc=desc, unit=unit, file=stream, dynamic_ncols=True, leave=True)
        else:
            self.mode = "log"

    def update(self, n: int = 1) -> None:
        """``n`` more units are done."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self.mode == "log" and time.monotonic() - self._last >= LOG_INTERVAL:
            self._record()

    def set_postfix(self, **values) -> None:
        """Show ``name=value`` pairs after the count (e.g. the loss)."""
        self.postfix = ", ".join(f"{k}={v}" for k, v in values.items())
        if self._bar is not None:
            self._bar.set_postfix_str(self.postfix)

    def _record(self) -> None:
        self._last = time.monotonic()
        percent = f" ({100 * self.done // self.total}%)" if self.total else ""
        tail = f", {self.postfix}" if self.postfix else ""
        units = self.unit + ("es" if self.unit.endswith(("s", "ch", "sh", "x")) else "s")
        log.info("%s: %d/%d %s%s, %.1f s%s", self.desc, self.done, self.total, units, percent,
                 self._last - self._start, tail)

    def close(self) -> None:
        """End the step: close the bar, or write the last record."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.mode == "log":
            self._record()
        self.mode = "off"

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
