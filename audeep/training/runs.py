"""The run directory contract: what a training run leaves on disk, and reading it back.

A *run directory* holds everything of one training run::

    RUN/config.json                    kind, architecture, training options, audeep version
    RUN/checkpoints/epoch-0001.keras   model + optimizer state after every epoch
    RUN/history.csv                    epoch, loss, learning rate, seconds
    RUN/loss.png                       the loss curve (drawn when training ends)
    RUN/logs/                          TensorBoard (loss, learning rate, a reconstruction image)
    RUN/.lock                          held while a training writes into the run

Every file is written atomically.  TensorFlow is imported only to load a checkpoint.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Iterator, Sequence

from audeep._atomic import write_text_atomic
from audeep.errors import ModelError

__all__ = [
    "CONFIG_NAME",
    "CHECKPOINT_DIR",
    "HISTORY_NAME",
    "LOSS_PLOT_NAME",
    "checkpoint_path",
    "list_checkpoints",
    "prune_checkpoints",
    "read_run_config",
    "write_run_config",
    "read_history",
    "write_history",
    "run_lock",
    "load_checkpoint",
    "resolve_epochs",
    "load_autoencoder",
]

CONFIG_NAME = "config.json"
CHECKPOINT_DIR = "checkpoints"
HISTORY_NAME = "history.csv"
LOSS_PLOT_NAME = "loss.png"
LOCK_NAME = ".lock"
_CHECKPOINT_RE = re.compile(r"^epoch-(\d+)\.keras$")
_HISTORY_FIELDS = ("epoch", "loss", "learning_rate", "seconds")


def checkpoint_path(run_dir, epoch: int) -> Path:
    """Where the checkpoint after ``epoch`` (1-based) is stored."""
    return Path(run_dir) / CHECKPOINT_DIR / f"epoch-{int(epoch):04d}.keras"


def list_checkpoints(run_dir) -> "dict[int, Path]":
    """Checkpoints of a run directory: epoch number -> file, in epoch order."""
    folder = Path(run_dir) / CHECKPOINT_DIR
    found = {}
    if folder.is_dir():
        for path in folder.iterdir():
            match = _CHECKPOINT_RE.match(path.name)
            if match:
                found[int(match.group(1))] = path
    return dict(sorted(found.items()))


def prune_checkpoints(run_dir, *, keep: "int | None") -> None:
    """Remove all but the newest ``keep`` checkpoints (``None``: keep all)."""
    if keep is None:
        return
    checkpoints = list_checkpoints(run_dir)
    for epoch in list(checkpoints)[:-keep]:
        checkpoints[epoch].unlink(missing_ok=True)


def read_run_config(run_dir) -> dict:
    """The ``config.json`` of a run directory.

    Raises
    ------
    ModelError
        If the folder or its config is missing or unreadable.
    """
    run_dir = Path(run_dir)
    path = run_dir / CONFIG_NAME
    if not run_dir.is_dir():
        raise ModelError(f"run_dir {run_dir}: no such run directory", parameter="run_dir")
    if not path.is_file():
        raise ModelError(f"run_dir {run_dir}: not a training run directory (no {CONFIG_NAME})", parameter="run_dir")
    try:
        config = json.loads(path.read_text())
        config["kind"], config["architecture"]  # noqa: B018 -- required keys
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: corrupt run configuration ({exc})") from exc
    return config


def write_run_config(run_dir, config: dict) -> Path:
    """Write ``config.json`` (atomically); return its path."""
    return write_text_atomic(Path(run_dir) / CONFIG_NAME, json.dumps(config, indent=2) + "\n")


def read_history(run_dir) -> list:
    """Rows of ``history.csv`` as dicts (epoch int, loss/learning_rate/seconds float)."""
    path = Path(run_dir) / HISTORY_NAME
    if not path.is_file():
        return []
    with open(path, newline="") as fh:
        return [{"epoch": int(r["epoch"]), "loss": float(r["loss"]), "learning_rate": float(r["learning_rate"]),
                 "seconds": float(r["seconds"])} for r in csv.DictReader(fh)]


def write_history(run_dir, rows: Sequence[dict]) -> None:
    """Write ``history.csv`` (atomically) from rows of :func:`read_history`'s form."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(_HISTORY_FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({"epoch": row["epoch"], "loss": f"{row['loss']:.6f}",
                         "learning_rate": f"{row['learning_rate']:.6g}", "seconds": f"{row['seconds']:.3f}"})
    write_text_atomic(Path(run_dir) / HISTORY_NAME, buf.getvalue())


@contextlib.contextmanager
def run_lock(run_dir) -> Iterator[Path]:
    """Hold the run directory's lock (created with the folder) while a training writes into it.

    Raises
    ------
    ModelError
        If another process holds the lock: two trainings never write into one run.
    """
    import fcntl

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(run_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ModelError(f"run_dir {run_dir}: another training is writing into this run; wait for it or "
                             "choose another run_dir", parameter="run_dir") from None
        yield run_dir
    finally:
        os.close(fd)  # releases the lock


def load_checkpoint(path, *, compile: bool = True):
    """Load a checkpoint (model + optimizer state).

    Raises
    ------
    ModelError
        If the file is missing or cannot be loaded.
    """
    import keras

    from audeep.models.base import saved_model_loading
    import audeep.models.autoencoders  # noqa: F401 -- registers the model classes

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: checkpoint is missing")
    try:
        with saved_model_loading():
            return keras.saving.load_model(path, compile=compile)
    except Exception as exc:  # zip / h5 / config errors of all kinds
        raise ModelError(f"{path}: corrupt checkpoint ({type(exc).__name__}: {exc})") from exc


def resolve_epochs(run_dir, epochs: "Sequence[int] | None", kind: "str | None" = None) -> tuple:
    """(config, checkpoints, epochs) of a run; epochs default to the newest; errors list what exists.

    Raises
    ------
    ModelError
        A run of another kind than ``kind``, no checkpoints, or an epoch without one.
    """
    config = read_run_config(run_dir)
    if kind is not None and config["kind"] != kind:
        raise ModelError(f"run_dir {run_dir}: holds a {config['kind']} model, not {kind}; "
                         f"use 'audeep {config['kind']} generate'", parameter="run_dir")
    checkpoints = list_checkpoints(run_dir)
    if not checkpoints:
        raise ModelError(f"run_dir {run_dir}: has no checkpoints (no epoch finished)", parameter="run_dir")
    epochs = [max(checkpoints)] if not epochs else [int(e) for e in epochs]
    missing = [e for e in epochs if e not in checkpoints]
    if missing:
        raise ModelError(f"run_dir {run_dir}: no checkpoint for epochs {', '.join(map(str, missing))}; available: "
                         f"{', '.join(str(e) for e in checkpoints)}", parameter=("run_dir", "epochs"))
    return config, checkpoints, epochs


def load_autoencoder(run_dir, *, epoch: "int | None" = None, kind: "str | None" = None):
    """The autoencoder of a run directory at one checkpoint.

    Parameters
    ----------
    run_dir : path-like
        A run directory written by :func:`audeep.training.train_autoencoder`.
    epoch : int, optional
        Checkpoint (epoch number); default the newest.
    kind : str, optional
        Required kind (e.g. ``"t-rae"``): a run of another kind is an error.

    Returns
    -------
    keras.Model

    Raises
    ------
    ModelError
        Missing / corrupt run or checkpoint, another kind, or an epoch that does not exist
        (the message lists the available ones).
    """
    config, checkpoints, (epoch,) = resolve_epochs(run_dir, None if epoch is None else [epoch], kind)
    model = load_checkpoint(checkpoints[epoch], compile=False)
    if getattr(model, "kind", None) != config["kind"]:
        raise ModelError(f"{checkpoints[epoch]}: holds a {getattr(model, 'kind', type(model).__name__)} model, "
                         f"but {run_dir} is a {config['kind']} run")
    return model
