"""The run directory contract: what a training run leaves on disk, and reading it back.

A *run directory* holds everything of one training run::

    RUN/config.json                    kind, architecture, training options, audeep version
    RUN/checkpoints/epoch-0001.keras   model + optimizer state after every epoch
    RUN/history.csv                    epoch, loss, learning rate, seconds
    RUN/loss.png                       the loss curve (drawn when training ends)
    RUN/logs/                          TensorBoard (loss, learning rate, a reconstruction image)
    RUN/.lock                          held while a training writes into the run

Every file is written atomically.  TensorFlow is imported only to load a checkpoint.

A run directory with ``config.json`` but no checkpoint is an *unfinished start* (a training
killed or out of memory before its first epoch ended): a new training replaces it, and it
cannot be continued.  Checkpoints hold finite weights only (a diverging training stops
before writing one; :func:`load_checkpoint` refuses others), and features with NaN or
infinity are never written (:func:`check_generated`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Iterator, Sequence

from audeep._atomic import file_lock, write_text_atomic
from audeep.errors import ModelError, ParameterError

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
    "check_new_run",
    "claim_run",
    "latest_checkpoint",
    "finite_weights",
    "check_generated",
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
#: What a training writes into its run directory besides ``.lock`` (removed with an unfinished run).
_RUN_FILES = (CONFIG_NAME, HISTORY_NAME, LOSS_PLOT_NAME, "logs", CHECKPOINT_DIR)

log = logging.getLogger(__name__)


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
    ParameterError
        If ``run_dir`` is a file.
    """
    run_dir = Path(run_dir)
    path = run_dir / CONFIG_NAME
    _check_not_file(run_dir)
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


def _check_not_file(run_dir: Path) -> None:
    if run_dir.exists() and not run_dir.is_dir():
        raise ParameterError(f"run_dir {run_dir}: is a file, not a run directory", parameter="run_dir")


def _check_writable(run_dir: Path) -> None:
    """Raise :class:`ParameterError` unless ``run_dir`` is (or can be created as) a writable folder."""
    _check_not_file(run_dir)
    existing = next(p for p in (run_dir, *run_dir.absolute().parents) if p.exists())
    if not existing.is_dir():
        raise ParameterError(f"run_dir {run_dir}: cannot be created: {existing} is a file, not a folder",
                             parameter="run_dir")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ParameterError(f"run_dir {run_dir}: cannot be written: {existing} is read-only", parameter="run_dir")


@contextlib.contextmanager
def run_lock(run_dir) -> Iterator[Path]:
    """Hold the run directory's lock (created with the folder) while a training writes into it.

    Raises
    ------
    ModelError
        If another process holds the lock: two trainings never write into one run.
    ParameterError
        If the folder or its lock file cannot be created.
    """
    run_dir = Path(run_dir)
    _check_writable(run_dir)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"run_dir {run_dir}: cannot be created or written ({exc.strerror})",
                             parameter="run_dir") from None
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(file_lock(run_dir / LOCK_NAME, wait=False))
        except BlockingIOError:
            raise ModelError(f"run_dir {run_dir}: another training is writing into this run; wait for it or "
                             "choose another run directory", parameter="run_dir") from None
        yield run_dir


def check_new_run(run_dir) -> None:
    """Raise unless a new training may start in ``run_dir``.

    A new training may start in a folder that does not exist yet, one without a run, or one
    holding an *unfinished start*: a ``config.json`` without any checkpoint (a training
    killed, or out of memory, before its first epoch ended), which the new training replaces.

    Raises
    ------
    ParameterError
        If ``run_dir`` is a file or cannot be created or written.
    ModelError
        If ``run_dir`` holds a run with at least one checkpoint.
    """
    run_dir = Path(run_dir)
    _check_writable(run_dir)
    if (run_dir / CONFIG_NAME).exists() and list_checkpoints(run_dir):
        raise ModelError(f"run_dir {run_dir}: already holds a training run; set resume to continue it, or choose "
                         "another run directory", parameter=("run_dir", "resume"))


def _remove_run_files(run_dir: Path) -> None:
    """Remove what a training wrote into ``run_dir`` (the folder and its lock stay)."""
    for name in _RUN_FILES:
        path = run_dir / name
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    tf = sys.modules.get("tensorflow")
    return tf is not None and isinstance(exc, tf.errors.ResourceExhaustedError)


def _memory_error(config: dict) -> ModelError:
    """The error for a model that does not fit in memory, naming its size parameters."""
    sizes = {k: v for k, v in config.get("architecture", {}).items() if re.match(r"^num_(\w+_)?(units|layers)$", k)}
    sizes["batch_size"] = config.get("training", {}).get("batch_size")
    shown = ", ".join(f"{k} {v}" for k, v in sizes.items() if v is not None)
    return ModelError(f"the {config.get('kind', '')} model ({shown}) does not fit in memory; choose smaller sizes",
                      parameter=tuple(sizes))


def _check_fits_memory(config: dict) -> None:
    """Refuse, before building it, a model that cannot fit in this machine's memory.

    A lower bound of what training needs: for every units parameter, one recurrent kernel
    (units x gates·units float32) with its gradient and Adam's two moments.  Models that
    pass may still run out of memory later; :func:`claim_run` reports that too.
    """
    architecture = config.get("architecture", {})
    gates = 4 if str(architecture.get("cell", "GRU")).upper() == "LSTM" else 3
    units = [int(v) for k, v in architecture.items() if re.match(r"^num_(\w+_)?units$", k)]
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):  # not a POSIX system: rely on the allocator's error
        return
    if 4 * 4 * gates * sum(u * u for u in units) > memory:
        raise _memory_error(config)


@contextlib.contextmanager
def claim_run(run_dir, *, config: dict, new: bool) -> Iterator[Path]:
    """Hold the run's lock while a training writes into it; a new run writes its ``config.json`` first.

    Under the lock, a new run is checked again (:func:`check_new_run`), refused if its model
    cannot fit in memory, and replaces an unfinished start (logged).  A new run that fails
    before its first checkpoint removes what it wrote, so that the same command can be run
    again; running out of memory becomes a :class:`ModelError` naming the model's size
    parameters.

    Parameters
    ----------
    run_dir : path-like
    config : dict
        The run's configuration (``kind``, ``architecture``, ``training``).
    new : bool
        A new run (write ``config``) rather than a resumed one.

    Raises
    ------
    ModelError, ParameterError
        As :func:`run_lock` and :func:`check_new_run`; out of memory inside the block.
    """
    run_dir = Path(run_dir)
    with run_lock(run_dir):
        if new:
            check_new_run(run_dir)  # again, now that no other training can write here
            _check_fits_memory(config)
            if (run_dir / CONFIG_NAME).exists():
                log.warning("run_dir %s: replacing an unfinished run (%s but no checkpoint)", run_dir, CONFIG_NAME)
                _remove_run_files(run_dir)
            write_run_config(run_dir, config)
        (run_dir / CHECKPOINT_DIR).mkdir(exist_ok=True)
        try:
            yield run_dir
        except BaseException as exc:
            if new and not list_checkpoints(run_dir):
                _remove_run_files(run_dir)
            if _out_of_memory(exc):
                raise _memory_error(config) from exc
            raise


def latest_checkpoint(run_dir) -> tuple:
    """(epoch, path) of the newest checkpoint of a run to continue.

    Raises
    ------
    ModelError
        If the run has no checkpoint (no epoch finished): there is nothing to continue.
    """
    checkpoints = list_checkpoints(run_dir)
    if not checkpoints:
        raise ModelError(f"run_dir {run_dir}: no checkpoint to continue from (no epoch finished); train it anew "
                         "without resume", parameter=("run_dir", "resume"))
    epoch = max(checkpoints)
    return epoch, checkpoints[epoch]


def finite_weights(model) -> bool:
    """Whether every weight of a Keras model is finite (no NaN or infinity)."""
    import numpy as np

    return all(np.isfinite(w).all() for w in model.get_weights())


def check_generated(values, *, model) -> None:
    """Raise if features generated by ``model`` hold NaN or infinity.

    Parameters
    ----------
    values : numpy.ndarray, shape (n, ...)
        Generated features of ``n`` instances.
    model : keras.Model
        The model; a model from :func:`load_checkpoint` is named by its checkpoint file.

    Raises
    ------
    ModelError
        Naming the checkpoint (run and epoch) and how many instances are affected.
    """
    import numpy as np

    values = np.asarray(values)
    bad = int((~np.isfinite(values.reshape(len(values), -1))).any(axis=1).sum()) if values.size else 0
    if bad:
        source = getattr(model, "audeep_checkpoint", None) or "the model"
        raise ModelError(f"{source}: gives NaN or infinite features for {bad} of {len(values)} instances of a "
                         "batch; no features written")


def load_checkpoint(path, *, compile: bool = True):
    """Load a checkpoint (model + optimizer state).

    Raises
    ------
    ModelError
        If the file is missing, unreadable or corrupt (e.g. truncated), or holds NaN or
        infinite weights.
    """
    import keras

    from audeep.models.base import saved_model_loading
    import audeep.models.autoencoders  # noqa: F401 -- registers the model classes

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: checkpoint is missing")
    if not zipfile.is_zipfile(path):  # Keras reads that as "file not found"
        raise ModelError(f"{path}: unreadable or corrupt checkpoint (not a complete .keras archive: "
                         f"{path.stat().st_size} bytes)")
    try:
        with saved_model_loading():
            model = keras.saving.load_model(path, compile=compile)
    except Exception as exc:  # zip / h5 / config errors of all kinds
        raise ModelError(f"{path}: unreadable or corrupt checkpoint ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''})") from exc
    if not finite_weights(model):
        raise ModelError(f"{path}: checkpoint holds NaN or infinite weights (its training diverged); use an "
                         "earlier epoch")
    model.audeep_checkpoint = str(path)
    return model


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
