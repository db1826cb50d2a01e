"""Training on several devices (``devices`` / ``--devices``): two logical CPU devices stand in for GPUs.

Logical CPU devices must be set before TensorFlow starts its devices, so the multi-device
trainings run in one subprocess (with ``AUDEEP_CPU_DEVICES=2``) that makes every check
and reports the figures as JSON.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import CliResult, one_error

pytest.importorskip("tensorflow")

TESTS = Path(__file__).parent

# 9 instances in batches of 4: the last batch (1 instance) leaves one of the two devices empty.
# No dropout (keep_prob 1): each device would draw its own masks.
SCRIPT = r"""
import json, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, sys.argv[2])
from conftest import run_cli
from audeep.dataset import DataSet
from audeep.training import load_autoencoder, train_autoencoder
from audeep.training.runs import read_history

tmp = Path(sys.argv[1])
x = np.random.default_rng(3).normal(size=(9, 5, 6)).astype(np.float32)
lengths = np.array([5, 3, 5, 2, 4, 5, 1, 5, 3])  # padded: the masked loss and batches grouped by length
x[np.arange(5) >= lengths[:, None]] = 0
DataSet.create(features=x, filenames=[f"f{i}.wav" for i in range(9)], lengths=lengths).save(tmp / "s.nc")
arch = dict(num_units=8, keep_prob=1.0)
opts = dict(num_epochs=2, batch_size=4, learning_rate=0.01, progress=False)
out = {}
for n in (1, 2):
    result = train_autoencoder(kind="t-rae", inputs=[tmp / "s.nc"], run_dir=tmp / f"d{n}", architecture=arch,
                               devices=n, **opts)
    out[f"loss{n}"] = [row["loss"] for row in result.history]
out["config_devices"] = json.loads((tmp / "d2" / "config.json").read_text())["training"]["devices"]
# a checkpoint of 2 devices on one device (here: outside any strategy) and the CLI's generate
out["weights_diff"] = max(float(np.abs(a - b).max()) for a, b in
                          zip(load_autoencoder(tmp / "d1").get_weights(), load_autoencoder(tmp / "d2").get_weights()))
r = run_cli("t-rae", "generate", "--model-dir", tmp / "d2", "--input", tmp / "s.nc", "--output", tmp / "g2.nc")
out["generate"] = [r.status, r.stderr]
if r.status == 0:
    features = DataSet.open(tmp / "g2.nc").load_features(np.arange(9))
    expected = np.asarray(load_autoencoder(tmp / "d1").features(x, lengths=lengths))
    out["generate"] += [list(features.shape), float(np.abs(features - expected).max())]
# --continue of the one-device run on 2 devices
r = run_cli("t-rae", "train", "--input", tmp / "s.nc", "--run-name", tmp / "d1", "--continue", "--no-progress",
            "--num-epochs", "3", "--batch-size", "4", "--learning-rate", "0.01", "--devices", "2")
out["resume"] = [r.status, [row["loss"] for row in read_history(tmp / "d1")], r.stderr]
r = run_cli("f-rae", "train", "--input", tmp / "s.nc", "--run-name", tmp / "f", "--no-progress", "--num-epochs", "1",
            "--devices", "all", "--num-units", "4", "--freq-window-width", "4", "--freq-window-overlap", "2")
out["f_rae"] = [r.status, sorted(p.name for p in (tmp / "f").iterdir()), r.stderr]
r = run_cli("t-rae", "train", "--input", tmp / "s.nc", "--run-name", tmp / "bad", "--devices", "3")
out["bad"] = [r.status, r.stderr, (tmp / "bad").exists()]
# corruption draws per replica; future-frame prediction is refused on several devices
r = run_cli("t-rae", "train", "--input", tmp / "s.nc", "--run-name", tmp / "c2", "--no-progress", "--num-epochs", "1",
            "--batch-size", "4", "--devices", "2", "--num-units", "4", "--time-masks", "1", "--time-mask-width", "2",
            "--mix-prob", "0.5", "--input-noise", "0.1")
out["corrupt"] = [r.status, r.stderr[-800:], [row["loss"] for row in read_history(tmp / "c2")] if r.status == 0 else []]
r = run_cli("t-rae", "train", "--input", tmp / "s.nc", "--run-name", tmp / "p2", "--devices", "2",
            "--predict-ahead", "2")
out["predict"] = [r.status, r.stderr, (tmp / "p2").exists()]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def two_devices(tmp_path_factory):
    """The figures of the subprocess's trainings on one and two logical CPU devices."""
    tmp = tmp_path_factory.mktemp("devices")
    env = dict(os.environ, AUDEEP_CPU_DEVICES="2", PYTHONHASHSEED="0")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp), str(TESTS)], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_devices_train_as_one(two_devices):
    loss1, loss2 = np.array(two_devices["loss1"]), np.array(two_devices["loss2"])
    assert len(loss1) == len(loss2) == 2 and loss1[1] < loss1[0]
    assert np.abs(loss1 - loss2).max() < 1e-3, (loss1, loss2)
    assert two_devices["config_devices"] == 2
    assert two_devices["weights_diff"] < 1e-4


def test_checkpoints_generate_and_continue_across_device_counts(two_devices):
    assert two_devices["generate"][0] == 0, two_devices["generate"]
    _, _, shape, diff = two_devices["generate"]  # the 2-device run's features = the 1-device run's
    assert shape == [9, 8] and diff < 1e-4
    status, history, stderr = two_devices["resume"]
    assert status == 0 and "training on 2 devices" in stderr, stderr
    assert len(history) == 3 and history[:2] == pytest.approx(two_devices["loss1"], abs=1e-6)
    assert np.isfinite(history[2]) and history[2] < history[1]


def test_f_rae_trains_on_all_devices(two_devices):
    status, files, stderr = two_devices["f_rae"]
    assert status == 0 and "config.json" in files and "checkpoints" in files, stderr


def test_more_devices_than_the_host_has(two_devices):
    status, stderr, written = two_devices["bad"]
    one_error(CliResult(status, "", stderr), "--devices 3", "this host has 2 devices: /device:CPU:0, /device:CPU:1")
    assert status == 1 and not written


@pytest.mark.parametrize("value", ["0", "x", "1.5"])
def test_bad_devices_values(cli, tmp_path, tiny_dataset, capsys, value):
    path = tiny_dataset.save(tmp_path / "s.nc")
    res = cli("t-rae", "train", "--input", path, "--run-name", tmp_path / "run", "--devices", value)
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert res.status == 2 and errors == [f"audeep t-rae train: error: argument --devices: '{value}' is not a "
                                          "positive integer or 'all'"], errors
    assert not (tmp_path / "run").exists()


def test_corruption_on_two_devices_and_prediction_refused(two_devices):
    status, stderr, losses = two_devices["corrupt"]
    assert status == 0 and len(losses) == 1 and np.isfinite(losses[0]), stderr
    status, stderr, written = two_devices["predict"]
    assert status == 1 and "devices 2: future-frame prediction" in stderr and not written, stderr
