"""Atomic file output: write under a temporary name in the target folder, rename when complete.

Every output audeep writes (data sets, text tables, plots, checkpoints) goes through
:func:`atomic_path`, so an interrupted or failed command never leaves a half-written file
under the final name (an existing file there survives intact).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from audeep.errors import ParameterError

__all__ = ["atomic_path", "write_text_atomic"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: "str | os.PathLike", *, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path next to ``path``, renamed to ``path`` when the block succeeds.

    Parameters
    ----------
    path : path-like
        The final file name; its folder must exist.
    suffix : str
        Suffix of the temporary name (some writers infer the format from it, e.g. ".png").

    Yields
    ------
    pathlib.Path
        Where to write; it exists (empty) when the block starts.  On an exception it is
        removed and ``path`` is left untouched.

    Raises
    ------
    ParameterError
        If the folder does not exist or cannot be written.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ParameterError(f"{path}: the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=folder)
    except OSError as exc:
        raise ParameterError(f"{path}: cannot write in {folder} ({exc.strerror})") from exc
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: "str | os.PathLike", text: str) -> Path:
    """Write ``text`` (UTF-8, newlines untranslated) to ``path`` atomically; return the path."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as out:
            out.write(text)
    return Path(path)
