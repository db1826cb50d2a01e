"""The run directory contract (audeep.training.runs): config, checkpoints, history, the lock."""

import json

import pytest

from audeep.errors import ModelError
from audeep.training.runs import (
    checkpoint_path,
    list_checkpoints,
    prune_checkpoints,
    read_history,
    read_run_config,
    resolve_epochs,
    run_lock,
    write_history,
    write_run_config,
)


def _fake_run(run, epochs=(1, 2, 3)):
    run.mkdir(exist_ok=True)
    write_run_config(run, {"kind": "t-rae", "architecture": {"num_features": 4}})
    for epoch in epochs:
        path = checkpoint_path(run, epoch)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    return run


def test_config_and_checkpoints(tmp_path):
    run = tmp_path / "run"
    with pytest.raises(ModelError, match="run_dir .*: no such run directory") as info:
        read_run_config(run)
    assert info.value.parameters == ("run_dir",)
    run.mkdir()
    with pytest.raises(ModelError, match="not a training run directory"):
        read_run_config(run)
    _fake_run(run)
    assert json.loads((run / "config.json").read_text())["kind"] == "t-rae"
    assert list(list_checkpoints(run)) == [1, 2, 3]
    assert checkpoint_path(run, 2).name == "epoch-0002.keras"
    prune_checkpoints(run, keep=2)
    assert list(list_checkpoints(run)) == [2, 3]
    prune_checkpoints(run, keep=None)
    assert list(list_checkpoints(run)) == [2, 3]


def test_resolve_epochs(tmp_path):
    run = _fake_run(tmp_path / "run")
    assert resolve_epochs(run, None)[2] == [3]
    assert resolve_epochs(run, [1, 3])[2] == [1, 3]
    with pytest.raises(ModelError, match="no checkpoint for epochs 7; available: 1, 2, 3") as info:
        resolve_epochs(run, [7])
    assert info.value.parameters == ("run_dir", "epochs")
    with pytest.raises(ModelError, match="holds a t-rae model, not f-rae"):
        resolve_epochs(run, None, kind="f-rae")


def test_history_round_trip(tmp_path):
    rows = [{"epoch": 1, "loss": 0.5, "learning_rate": 0.001, "seconds": 1.25},
            {"epoch": 2, "loss": 0.25, "learning_rate": 0.001, "seconds": 1.5}]
    write_history(tmp_path, rows)
    assert read_history(tmp_path) == rows
    assert read_history(tmp_path / "nothing") == []


def test_lock_keeps_a_second_training_out(tmp_path):
    run = tmp_path / "run"
    with run_lock(run):
        with pytest.raises(ModelError, match="another training is writing into this run"):
            with run_lock(run):
                pass
    with run_lock(run):  # released
        pass
