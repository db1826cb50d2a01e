"""Faults of training, feature generation and evaluation: each ends in one clear line, nothing lost or left behind.

Two trainings into one run directory, a run that never finished an epoch, a diverging
training, non-finite or corrupt checkpoints, a model too large for memory, a run name that
cannot be a folder, an empty time axis, and evaluation of data sets with non-finite features
or failed integrity checks.
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from conftest import make_dataset, one_error  # noqa: E402

from audeep.dataset import DataSet  # noqa: E402
from audeep.errors import DataSetError, ModelError  # noqa: E402

ARCH = ["--num-units", "4", "--no-progress", "--batch-size", "6"]


def run_files(run) -> list:
    """Names in a run directory (the lock file aside), with ``checkpoints/NAME`` of each checkpoint."""
    names = sorted(p.name for p in run.iterdir() if p.name != ".lock")
    checkpoints = sorted(f"checkpoints/{p.name}" for p in (run / "checkpoints").glob("*"))
    return names + checkpoints


@pytest.fixture(scope="module")
def spectra(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "spectra.nc"
    make_dataset(num_files=6, num_chunks=2, shape=(5, 4), seed=7).save(path)
    return path


@pytest.fixture(scope="module")
def raced(tmp_path_factory, spectra):
    """Two trainings (num_units 4 and 6, two epochs) started together into one run directory.

    Returns the run directory and the (exit status, stdout, stderr) of each.
    """
    run = tmp_path_factory.mktemp("raced") / "run"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    procs = [subprocess.Popen([sys.executable, "-m", "audeep", "t-rae", "train", "--input", str(spectra),
                               "--run-name", str(run), "--num-epochs", "2", "--num-units", str(units), "--no-progress",
                               "--batch-size", "6", "-f", "csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env)
             for units in (4, 6)]
    return run, [(p.wait(timeout=300),) + p.communicate() for p in procs]


@pytest.fixture
def run_copy(tmp_path, raced):
    """A copy of the run (two epochs) that won the race."""
    return shutil.copytree(raced[0], tmp_path / "run")


def test_two_trainings_into_one_run_directory(raced):
    from audeep.training.runs import list_checkpoints, load_checkpoint, read_history

    run, results = raced
    assert sorted(status == 0 for status, _, _ in results) == [False, True], results
    _, _, stderr = next(r for r in results if r[0] != 0)
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and str(run) in lines[0] and "Traceback" not in stderr, stderr
    assert "another training is writing into this run" in lines[0] or "already holds a training run" in lines[0]
    # the surviving run is one run: config, history and checkpoints of the training that succeeded
    config = json.loads((run / "config.json").read_text())
    assert list(list_checkpoints(run)) == [1, 2]
    assert load_checkpoint(list_checkpoints(run)[2]).num_units == config["architecture"]["num_units"]
    printed = [line.split(",") for line in next(out for status, out, _ in results if status == 0).split()[1:]]
    history = read_history(run)
    assert [int(row[0]) for row in printed] == [r["epoch"] for r in history] == [1, 2]
    assert [float(row[1]) for row in printed] == pytest.approx([r["loss"] for r in history], abs=2e-6)


def test_unfinished_run_is_replaced_not_continued(cli, tmp_path, spectra, raced):
    # what a training killed (or out of memory) in epoch 1 leaves: config.json of another architecture, no checkpoint
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    config = json.loads((raced[0] / "config.json").read_text())
    config["architecture"]["num_units"] = 7
    (run / "config.json").write_text(json.dumps(config))

    res = cli("t-rae", "train", "--input", spectra, "--run-name", run, "--num-epochs", "2", "--continue", *ARCH)
    assert "no checkpoint to continue from" in one_error(res, run)
    assert run_files(run) == ["checkpoints", "config.json"]  # left as it was

    res = cli("t-rae", "train", "--input", spectra, "--run-name", run, "--num-epochs", "1", *ARCH)
    assert res.status == 0, res
    assert "replacing an unfinished run" in res.stderr and str(run) in res.stderr
    assert json.loads((run / "config.json").read_text())["architecture"]["num_units"] == 4
    assert run_files(run)[-1:] == ["checkpoints/epoch-0001.keras"]


def test_diverging_training_stops_without_a_checkpoint(cli, tmp_path, spectra, run_copy):
    run = tmp_path / "diverged"
    res = cli("t-rae", "train", "--input", spectra, "--run-name", run, "--num-epochs", "2", "--learning-rate", "1e38",
              *ARCH)
    assert "diverged" in one_error(res, "epoch 1", "--learning-rate")
    assert run_files(run) == []  # a new run that never finished an epoch leaves nothing a re-run would refuse

    # a run whose third epoch diverges (values too large to square) keeps epoch 2 as its newest checkpoint
    huge = tmp_path / "huge.nc"
    with DataSet.open(spectra) as ds:
        ds.with_features(ds.load_features() * np.float32(1e30)).save(huge)
    res = cli("t-rae", "train", "--input", huge, "--run-name", run_copy, "--num-epochs", "3", "--continue", *ARCH)
    assert "the loss is inf" in one_error(res, "epoch 3")
    assert [name for name in run_files(run_copy) if name.startswith("checkpoints/")] == [
        "checkpoints/epoch-0001.keras", "checkpoints/epoch-0002.keras"]
    assert [line.split(",")[0] for line in (run_copy / "history.csv").read_text().split()[1:]] == ["1", "2"]
    res = cli("t-rae", "generate", "--model-dir", run_copy, "--input", spectra, "--output", tmp_path / "f.nc")
    assert res.status == 0, res
    with DataSet.open(tmp_path / "f.nc") as features:
        assert np.isfinite(features.load_features()).all()


def test_non_finite_checkpoint_gives_no_features(cli, tmp_path, spectra, run_copy):
    from audeep.training.features import write_features
    from audeep.training.runs import load_checkpoint

    checkpoint = run_copy / "checkpoints" / "epoch-0002.keras"
    model = load_checkpoint(checkpoint)
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    model.save(checkpoint)
    out = tmp_path / "features.nc"
    res = cli("t-rae", "generate", "--model-dir", run_copy, "--input", spectra, "--output", out)
    assert "NaN or infinite weights" in one_error(res, checkpoint)
    # the writer refuses non-finite features of any model, naming its checkpoint and the instances
    with DataSet.open(spectra) as ds, pytest.raises(ModelError, match=r"epoch-0002\.keras: gives NaN or infinite "
                                                                      r"features for 12 of 12 instances"):
        write_features(model, ds, out)
    assert list(tmp_path.iterdir()) == [run_copy]  # no output, no temporary file


@pytest.mark.parametrize("damage", ["truncated", "empty"])
def test_corrupt_checkpoint_is_named(cli, tmp_path, spectra, run_copy, damage):
    checkpoint = run_copy / "checkpoints" / "epoch-0002.keras"
    data = checkpoint.read_bytes()
    checkpoint.write_bytes(data[:len(data) // 2] if damage == "truncated" else b"")
    res = cli("t-rae", "generate", "--model-dir", run_copy, "--input", spectra, "--output", tmp_path / "f.nc")
    line = one_error(res, checkpoint, "unreadable or corrupt")
    assert "not found" not in line.lower()
    res = cli("t-rae", "train", "--input", spectra, "--run-name", run_copy, "--num-epochs", "3", "--continue", *ARCH)
    one_error(res, checkpoint, "unreadable or corrupt")
    assert not (tmp_path / "f.nc").exists()


def test_model_too_large_for_memory(cli, tmp_path, spectra):
    run = tmp_path / "run"
    res = cli("t-rae", "train", "--input", spectra, "--run-name", run, "--num-epochs", "1", "--no-progress",
              "--num-units", "100000000")
    assert "does not fit in memory" in one_error(res, "--num-units 100000000", "--num-layers 1")
    assert run_files(run) == []


def test_run_name_that_cannot_be_a_folder(cli, tmp_path, spectra):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    res = cli("t-rae", "train", "--input", spectra, "--run-name", afile, "--num-epochs", "1", *ARCH)
    assert "is a file" in one_error(res, f"--run-name {afile}")
    res = cli("t-rae", "train", "--input", spectra, "--run-name", afile / "run", "--num-epochs", "1", *ARCH)
    assert "cannot be created" in one_error(res, f"--run-name {afile / 'run'}")
    res = cli("t-rae", "train", "--input", spectra, "--run-name", afile, "--continue", *ARCH)
    one_error(res, f"--run-name {afile}")
    assert afile.read_text() == "not a folder" and list(tmp_path.iterdir()) == [afile]


def test_empty_time_axis_reaching_training(tmp_path):
    from audeep.training import train_autoencoder

    empty = DataSet(make_dataset(num_files=2, num_chunks=1, shape=(5, 4)).data.isel(time=slice(0, 0)))
    with pytest.raises(DataSetError, match=r"features \[time=0, freq=4\] have an empty dimension"):
        train_autoencoder(kind="t-rae", inputs=[empty], run_dir=tmp_path / "run", architecture={"num_units": 4},
                          progress=False)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("learner", [["svm", "--complexity", "1"], ["mlp", "--num-epochs", "2"]])
def test_evaluate_non_finite_features(cli, tmp_path, learner):
    import netCDF4

    path = tmp_path / "features.nc"
    make_dataset(num_files=10, num_chunks=2, shape=(8,)).save(path)
    with netCDF4.Dataset(path, "a") as nc:  # written elsewhere: audeep's writer refuses non-finite features
        nc["features"][3, :] = np.nan
        nc["features"][7, 2] = np.nan
        nc["features"][11, 0] = np.inf
    res = cli(learner[0], "evaluate", "--input", path, "--cross-validate", *learner[1:])
    assert "NaN or infinite" in one_error(res, path, "3 of 20 instances")


def test_evaluate_warns_about_failed_integrity_checks(cli, tmp_path):
    ds = make_dataset(num_files=10, num_chunks=2, shape=(8,))
    path = tmp_path / "same-names.nc"
    DataSet.create(features=ds.load_features(), filenames=["same.wav"] * 20, chunk_nrs=np.arange(20),
                   labels_nominal=ds.labels_nominal, cv_folds=ds.cv_folds).save(path)
    res = cli("svm", "evaluate", "--input", path, "--cross-validate", "--complexity", "1")
    assert res.status == 0, res
    warnings = [line for line in res.stderr.splitlines() if "fails the integrity check" in line]
    assert len(warnings) == 1 and str(path) in warnings[0] and "chunk-nominal-labels" in warnings[0], res
