"""Atomic outputs, their temporaries, locks, and the one translation of write errors.

Every output audeep writes (data sets, text tables, plots, checkpoints, export folders) is
written under a temporary name in the target folder and renamed when complete
(:func:`atomic_path`, :func:`temporary_folder`), so an interrupted or failed command never
leaves a half-written file under the final name (an existing file there survives intact).

- A temporary's name carries its writer's process id, ``.NAME.<pid>.XXXXXXXX.tmp``: a run
  killed outright (SIGKILL, power loss) leaves one behind, and the next write of the same
  output removes it once no live process owns it (:func:`remove_stale_temporaries`).
- :func:`signals_interrupt` makes SIGTERM and SIGHUP raise :class:`Interrupted` (a
  ``KeyboardInterrupt``), so they take the path of Ctrl-C: every open temporary is removed.
- :func:`write_error` is the one place that turns a low-level error of writing (no space,
  file size limit, read-only disk, no permission, a folder in the way; netCDF/HDF5 errors on
  a full disk) into an :class:`~audeep.errors.OutputError` naming the file.
- :func:`file_lock` serialises read-modify-write cycles (a results file, a run directory).
- :func:`refuse_overwriting_inputs`: no command writes its output over a file it reads.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import shutil
import signal
import tempfile
import threading
from pathlib import Path
from typing import Iterable, Iterator

from audeep.errors import AudeepError, OutputError, ParameterError

__all__ = [
    "Interrupted",
    "atomic_path",
    "file_lock",
    "make_folder",
    "os_error_message",
    "refuse_overwriting_inputs",
    "remove_stale_temporaries",
    "signals_interrupt",
    "temporary_folder",
    "write_error",
    "write_text_atomic",
]

LOG = logging.getLogger(__name__)

#: errors of writing whatever the file named (they never come from reading)
_WRITE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EROFS, getattr(errno, "EDQUOT", errno.ENOSPC)}
#: errors of writing when they name the output or its temporary (or no file at all)
_PATH_ERRNOS = {errno.EACCES, errno.EPERM, errno.EISDIR, errno.ENOTDIR, errno.ENOENT, errno.EEXIST}
#: below this much free space a netCDF/HDF5 failure of writing is taken to be a full disk
_LOW_SPACE = 16 << 20


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---------------------------------------------------------------------------- messages
def os_error_message(exc: OSError, path: "str | os.PathLike | None" = None) -> str:
    """One line for an :class:`OSError`: the file it concerns and what went wrong.

    Parameters
    ----------
    exc : OSError
    path : path-like, optional
        The file to name (default: the one the error carries).
    """
    name = path if path is not None else exc.filename
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EEXIST:
        reason = "exists and is not a folder"
    elif exc.errno == errno.ENOTDIR:
        reason = "a part of the path is a file, not a folder"
    return f"{name}: {reason}" if name is not None else reason


def _names(exc: OSError) -> set:
    return {os.path.abspath(f) for f in (exc.filename, getattr(exc, "filename2", None)) if f is not None}


def _low_space(folder: Path, written: int) -> "str | None":
    """Why a write into ``folder`` may have failed for lack of room (``written`` bytes so far), or None."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if soft != resource.RLIM_INFINITY and written >= soft - (4 << 20):  # a chunk short of the limit
            return f"{os.strerror(errno.EFBIG)}: the file size limit is {soft} bytes"
    except (ImportError, OSError, ValueError):  # pragma: no cover - not Unix
        pass
    try:
        stat = os.statvfs(folder)
    except (OSError, AttributeError):  # pragma: no cover
        return None
    free = (stat.f_bfree if os.geteuid() == 0 else stat.f_bavail) * stat.f_frsize
    return f"{os.strerror(errno.ENOSPC)}: {free} bytes free" if free < _LOW_SPACE else None


def write_error(path: "str | os.PathLike", exc: BaseException, *, temporary: "Path | None" = None,
                written: int = 0) -> "OutputError | None":
    """The :class:`OutputError` for a failure of writing ``path``, or None if ``exc`` is no such failure.

    Parameters
    ----------
    path : path-like
        The output being written.
    exc : BaseException
        What writing raised.
    temporary : pathlib.Path, optional
        The temporary file or folder written in place of ``path``.
    written : int
        Bytes written to the temporary when it failed (to recognise a file size limit).
    """
    if isinstance(exc, AudeepError):
        return None
    path = Path(path)
    if isinstance(exc, OSError) and exc.errno is not None:
        ours = {os.path.abspath(p) for p in (path, temporary) if p is not None}
        names = _names(exc)
        inside = temporary is not None and any(n.startswith(os.path.abspath(temporary) + os.sep) for n in names)
        if exc.errno in _WRITE_ERRNOS or (exc.errno in _PATH_ERRNOS and (not names or names & ours or inside)):
            return OutputError(f"{path}: cannot write ({exc.strerror or exc})")
        return None
    if isinstance(exc, RuntimeError) and str(exc).startswith(("NetCDF:", "HDF")):
        reason = _low_space(path.parent if str(path.parent) else Path("."), written)
        if reason is not None:
            return OutputError(f"{path}: cannot write ({reason}; {exc})")
    return None


# ---------------------------------------------------------------------------- temporaries
def _temporary_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":  # elsewhere os.kill(pid, 0) would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):  # another user's (alive), or not a pid: left alone
        return True
    return True


def remove_stale_temporaries(path: "str | os.PathLike") -> list:
    """Remove the temporaries of ``path`` that no live process owns; return what was removed.

    A temporary of ``path`` is ``.NAME.<pid>.XXXXXXXX<suffix>`` in its folder (a file or,
    for an export, a folder); it is stale when process ``pid`` no longer exists (the
    writer was killed before it could clean up).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.[a-z0-9_]{{8}}\.\w+$")
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None or _pid_alive(int(match.group(1))):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue
        LOG.info("removed %s, left by an interrupted run (process %s)", entry.path, match.group(1))
        removed.append(Path(entry.path))
    return removed


def _target_folder(path: Path) -> Path:
    """The existing folder ``path`` goes into; OutputError if it is missing or not a folder."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise OutputError(f"{path}: the folder {folder} {what}")
    return folder


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
        removed and ``path`` is left untouched.  Stale temporaries of ``path`` (left by
        killed runs) are removed first.

    Raises
    ------
    OutputError
        If the folder does not exist, ``path`` is a folder, or writing fails for lack of
        room or permission (see :func:`write_error`); other errors of the block pass through.
    """
    path = Path(path)
    folder = _target_folder(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder, expected a file name")
    remove_stale_temporaries(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {folder} ({exc.strerror})") from exc
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            written = tmp.stat().st_size
        except OSError:
            written = 0
        tmp.unlink(missing_ok=True)
        mapped = write_error(path, exc, temporary=tmp, written=written)
        if mapped is not None:
            raise mapped from exc
        raise


@contextlib.contextmanager
def temporary_folder(path: "str | os.PathLike") -> Iterator[Path]:
    """A temporary folder next to ``path`` (an output folder), removed when the block ends.

    The block writes a whole output folder into it and moves the finished files to
    ``path``; whatever is left is removed, on success, failure or interruption, and stale
    temporary folders of ``path`` from killed runs are removed first.  Errors of writing
    become :class:`OutputError` as in :func:`atomic_path`.
    """
    path = Path(path)
    folder = _target_folder(path)
    remove_stale_temporaries(path)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=folder))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write in {folder} ({exc.strerror})") from exc
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private (0700); the output is a plain folder
        yield tmp
    except BaseException as exc:
        written = sum(f.stat().st_size for f in tmp.rglob("*") if f.is_file()) if tmp.is_dir() else 0
        shutil.rmtree(tmp, ignore_errors=True)
        mapped = write_error(path, exc, temporary=tmp, written=written)
        if mapped is not None:
            raise mapped from exc
        raise
    shutil.rmtree(tmp, ignore_errors=True)


def write_text_atomic(path: "str | os.PathLike", text: str) -> Path:
    """Write ``text`` (UTF-8, newlines untranslated) to ``path`` atomically; return the path."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as out:
            out.write(text)
    return Path(path)


def make_folder(path: "str | os.PathLike") -> Path:
    """Create the folder ``path`` (and its parents) unless it exists; return it.

    Raises
    ------
    OutputError
        If a file is in the way or the folder cannot be created (read-only disk, no permission).
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if isinstance(exc, FileExistsError) or path.is_file():
            raise OutputError(f"{path}: exists and is not a folder") from exc
        raise OutputError(f"{path}: cannot create the folder ({exc.strerror or exc})") from exc
    return path


# ---------------------------------------------------------------------------- locks
@contextlib.contextmanager
def file_lock(path: "str | os.PathLike", *, wait: bool = True) -> Iterator[Path]:
    """Hold an exclusive lock on the file ``path`` (created if missing) for the block.

    A file that is replaced atomically while locked (a results table rewritten by
    :func:`write_text_atomic`) works too: the lock is taken again until it is held on the
    file that ``path`` names.  Locks are ``flock`` locks, released when the process ends,
    however it ends.

    Parameters
    ----------
    path : path-like
        The file to lock; its folder must exist.
    wait : bool
        Wait for another holder to finish (default); False: raise at once.

    Raises
    ------
    BlockingIOError
        ``wait=False`` and another process holds the lock.
    OutputError
        The file cannot be created or opened.
    """
    import fcntl

    path = Path(path)
    while True:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o666)
        except OSError as exc:
            raise OutputError(f"{path}: cannot create the lock file ({exc.strerror or exc})") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            held = os.fstat(fd)
            try:
                current = os.stat(path)
            except FileNotFoundError:
                current = None
        except BaseException:
            os.close(fd)
            raise
        if current is not None and (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
            break
        os.close(fd)  # replaced or removed while we waited: lock the file that is there now
    try:
        yield path
    finally:
        os.close(fd)  # releases the lock


# ---------------------------------------------------------------------------- inputs
def refuse_overwriting_inputs(*, output: "str | os.PathLike", inputs: Iterable, parameter: str = "output",
                              folder: bool = False) -> None:
    """ParameterError if ``output`` is one of ``inputs`` (the same file, however named), or a folder.

    Called before any work, so a command fails at once instead of after its computation.

    Parameters
    ----------
    output : path-like
        The file (or, with ``folder``, the folder) a command writes.
    inputs : iterable of path-like or None
        The files it reads (None entries are ignored).
    parameter : str
        The output's parameter name, for the message.
    folder : bool
        The output is a folder (else an existing folder in its place is an error).
    """
    output = Path(output)
    if not output.exists():
        return
    if not folder and output.is_dir():
        raise ParameterError(f"{parameter} {output}: is a folder, expected a file name", parameter=parameter)
    for item in inputs:
        if item is None:
            continue
        try:
            same = os.path.samefile(output, item)
        except OSError:
            same = False
        if same:
            also = "" if os.fspath(item) == os.fspath(output) else f" (as {item})"
            raise ParameterError(f"{parameter} {output}: is also read as input{also}; writing it would destroy "
                                 "that input; choose another file name", parameter=parameter)


# ---------------------------------------------------------------------------- signals
class Interrupted(KeyboardInterrupt):
    """Raised by :func:`signals_interrupt` on SIGTERM or SIGHUP, as Ctrl-C raises KeyboardInterrupt."""

    def __init__(self, signum: int):
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


class _Caught:
    signum: "int | None" = None


@contextlib.contextmanager
def signals_interrupt(signums=(signal.SIGTERM, signal.SIGHUP)) -> Iterator[_Caught]:
    """Within the block, the signals ``signums`` raise :class:`Interrupted` (once; repeats are ignored).

    So a termination takes the path of Ctrl-C: ``finally`` blocks and context managers run,
    every temporary is removed.  Outside the main thread this does nothing (Python handles
    signals there only).

    Yields
    ------
    object
        ``.signum``: the signal that arrived, or None.
    """
    caught = _Caught()
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return

    def handler(signum, frame):
        if caught.signum is None:
            caught.signum = signum
            raise Interrupted(signum)

    previous = {}
    try:
        for signum in signums:
            previous[signum] = signal.signal(signum, handler)
        yield caught
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
