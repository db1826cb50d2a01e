"""Independent trainings as tasks (``audeep sweep``): several autoencoders, one run directory each.

A sweep file (JSON) lists trainings: ``{"defaults": {...}, "runs": [{...}, ...]}``.  Each run
entry, over the defaults, has ``kind``, ``inputs`` (data set files), ``run_dir``, an optional
``architecture`` (the kind's parameters) and any training option of
:class:`~audeep.models.config.TrainingConfig` (``num_epochs``, ``seed``, ...).  A ``grid``
(``{"seed": [1, 2], "clip": [30, 60]}``) expands an entry into one training per combination:
a key that is a training option or an architecture parameter sets it, and every key fills
``{key}`` in ``run_dir`` and ``inputs``.  Relative paths are relative to the sweep file.

Trainings run one after another here, or as tasks on a Dask cluster (each in a worker
process, :func:`~audeep.training.train_autoencoder` writing its own run directory).  A
sweep run again skips the complete runs and continues the interrupted ones.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from audeep.errors import AudeepError, ParameterError

__all__ = ["Training", "read_sweep", "run_sweep", "run_state"]

log = logging.getLogger(__name__)

_RUN_KEYS = ("kind", "inputs", "run_dir", "architecture", "grid")


@dataclass(frozen=True)
class Training:
    """One training of a sweep: what :func:`audeep.training.train_autoencoder` is called with."""

    kind: str
    inputs: tuple
    run_dir: str
    architecture: dict
    options: dict

    @property
    def num_epochs(self) -> int:
        from audeep.models.config import TrainingConfig

        return TrainingConfig(**self.options).num_epochs


def _bad(where: str, message: str) -> ParameterError:
    return ParameterError(f"sweep {where}: {message}", parameter="sweep")


def _load(sweep) -> tuple:
    """(entries with the defaults applied, the folder relative paths start from, a name for messages)."""
    if isinstance(sweep, dict):
        content, folder, name = sweep, Path.cwd(), "sweep"
    else:
        path = Path(sweep)
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise _bad(str(path), f"cannot read it ({exc})") from None
        except ValueError as exc:
            raise _bad(str(path), f"not JSON ({exc})") from None
        folder, name = path.parent, str(path)
    if not isinstance(content, dict) or not isinstance(content.get("runs"), list) or not content["runs"]:
        raise _bad(name, 'expected an object with a non-empty list "runs" (and optional "defaults")')
    defaults = content.get("defaults", {})
    extra = sorted(set(content) - {"runs", "defaults"})
    if not isinstance(defaults, dict) or extra:
        raise _bad(name, f'"defaults" must be an object; unknown keys {extra}' if extra else
                   '"defaults" must be an object')
    entries = []
    for number, entry in enumerate(content["runs"]):
        if not isinstance(entry, dict):
            raise _bad(f"{name} runs[{number}]", f"expected an object, got {entry!r}")
        architecture = {**defaults.get("architecture", {}), **entry.get("architecture", {})}
        entries.append((f"{name} runs[{number}]", {**defaults, **entry, "architecture": architecture}))
    return entries, folder


def _expand(where: str, entry: dict) -> list:
    """The (where, entry) of every combination of the entry's grid, placeholders filled."""
    grid = entry.pop("grid", None) or {}
    if not isinstance(grid, dict) or not all(isinstance(v, list) and v for v in grid.values()):
        raise _bad(where, f"grid {grid!r}: expected an object of non-empty lists")
    out = []
    for values in itertools.product(*grid.values()):
        chosen = dict(zip(grid, values))
        filled = {**entry, "architecture": dict(entry["architecture"])}
        try:
            filled["run_dir"] = str(entry.get("run_dir", "")).format(**chosen)
            inputs = entry.get("inputs", [])
            filled["inputs"] = [str(i).format(**chosen) for i in ([inputs] if isinstance(inputs, str) else inputs)]
        except (KeyError, IndexError, ValueError) as exc:
            raise _bad(where, f"placeholder {exc} in run_dir or inputs is not a grid key") from None
        for key, value in chosen.items():
            filled.setdefault("_grid", {})[key] = value
        out.append((f"{where} {chosen}" if chosen else where, filled))
    return out


def _training(where: str, entry: dict, folder: Path) -> Training:
    """The checked training of one expanded entry (ParameterError naming the entry)."""
    from audeep.models.config import TrainingConfig, config_class

    option_names = {f.name for f in dataclasses.fields(TrainingConfig)}
    unknown = sorted(set(entry) - set(_RUN_KEYS) - option_names - {"_grid"})
    if unknown:
        raise _bad(where, f"unknown keys {unknown}; expected {', '.join(_RUN_KEYS)} or training options")
    if not entry.get("kind") or not entry.get("run_dir") or not entry.get("inputs"):
        raise _bad(where, "needs kind, inputs and run_dir")
    try:
        cls = config_class(entry["kind"])
        arch_names = {f.name for f in dataclasses.fields(cls)}
        options = {k: v for k, v in entry.items() if k in option_names}
        architecture = dict(entry["architecture"])
        for key, value in entry.get("_grid", {}).items():
            if key in option_names:
                options[key] = value
            elif key in arch_names:
                architecture[key] = value
        TrainingConfig(**options)
        cls(**{k: v for k, v in architecture.items() if k != "num_features"})
    except TypeError as exc:
        raise _bad(where, f"architecture {sorted(entry['architecture'])}: not a {entry['kind']} model's ({exc})") \
            from None
    except AudeepError as exc:
        raise _bad(where, str(exc)) from None
    inputs = tuple(str(folder / i) for i in entry["inputs"])
    missing = [i for i in inputs if not Path(i).exists()]
    if missing:
        raise _bad(where, f"input {missing[0]}: no such file")
    return Training(kind=entry["kind"], inputs=inputs, run_dir=str(folder / entry["run_dir"]),
                    architecture=architecture, options=options)


def read_sweep(sweep) -> list:
    """The trainings of a sweep file (or of its content as a dict), checked before any starts.

    Raises
    ------
    ParameterError
        Naming the bad entry: unreadable file, unknown keys or kinds, bad options, missing
        inputs, placeholders that are no grid key, or two trainings in one run directory.
    """
    entries, folder = _load(sweep)
    trainings, seen = [], {}
    for where, entry in entries:
        for place, filled in _expand(where, entry):
            training = _training(place, filled, folder)
            key = str(Path(training.run_dir).resolve())
            if key in seen:
                raise _bad(place, f"run_dir {training.run_dir}: also the run directory of {seen[key]}")
            seen[key] = place
            trainings.append(training)
    return trainings


def run_state(training: Training) -> tuple:
    """(state, epochs done) of a training's run directory: ``"complete"``, ``"interrupted"`` or ``"new"``."""
    from audeep.training.runs import CONFIG_NAME, list_checkpoints

    done = max(list_checkpoints(training.run_dir), default=0)
    if not (Path(training.run_dir) / CONFIG_NAME).is_file() or not done:
        return "new", 0
    return ("complete" if done >= training.num_epochs else "interrupted"), done


def _train(training: Training) -> dict:
    """Run (or continue, or skip) one training; its row of the sweep's table."""
    from audeep.training import train_autoencoder
    from audeep.training.runs import read_history

    state, done = run_state(training)
    row = {"run_dir": training.run_dir, "kind": training.kind, "status": "skipped (complete)", "epochs": done,
           "loss": None, "error": ""}
    if state != "complete":
        try:
            train_autoencoder(kind=training.kind, inputs=list(training.inputs), run_dir=training.run_dir,
                              architecture=training.architecture, resume=state == "interrupted", progress=False,
                              **training.options)
            row["status"] = "resumed" if state == "interrupted" else "trained"
        except AudeepError as exc:
            row.update(status="failed", error=str(exc))
    history = read_history(training.run_dir)
    if history:
        row.update(epochs=history[-1]["epoch"], loss=history[-1]["loss"])
    return row


def _train_task(training: Training) -> dict:
    """A Dask task: one training in a fresh Python process started by the worker.

    TensorFlow's thread pools are set once per process, and in a Dask worker (threads, an
    event loop) the first training's results were measured to vary; a process per training
    gives each the same start as ``audeep <kind> train``, and its own ``threads``.
    """
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "from audeep.cluster.sweeps import _train_main; _train_main()"],
                          input=json.dumps(dataclasses.asdict(training)), capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode == 0 and lines:
        return json.loads(lines[-1])
    tail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    return {"run_dir": training.run_dir, "kind": training.kind, "status": "failed", "epochs": run_state(training)[1],
            "loss": None, "error": f"the training process ended with status {done.returncode}: {tail}"}


def _train_main() -> None:
    """The process of :func:`_train_task`: a training (JSON) on stdin, its row (JSON) on stdout's last line."""
    import sys

    fields = json.loads(sys.stdin.read())
    row = _train(Training(**{**fields, "inputs": tuple(fields["inputs"])}))
    sys.stdout.write("\n" + json.dumps(row) + "\n")


def run_sweep(sweep, *, scheduler=None) -> list:
    """Run the trainings of a sweep: here one after another, or as tasks on a Dask cluster.

    Parameters
    ----------
    sweep : path-like or dict
        A sweep file (see :mod:`audeep.cluster.sweeps`) or its content.
    scheduler : str, optional
        ``"local:N"`` or a Dask scheduler's address: each training is a task in a worker process.

    Returns
    -------
    list of dict
        Per training, in the sweep's order: ``run_dir``, ``kind``, ``status`` (trained, resumed,
        skipped (complete), failed), ``epochs``, ``loss`` (the last epoch's) and ``error``.

    Raises
    ------
    ParameterError
        A bad sweep file (before any training starts) or scheduler.
    """
    from audeep.cluster.executors import open_executor

    trainings = read_sweep(sweep)
    if scheduler is None:
        return [_train(t) for t in trainings]
    with open_executor(scheduler=scheduler, num_files=len(trainings)) as executor:
        return list(executor.ordered(((_train_task, t) for t in trainings), flatten=False))
