"""``audeep t-rae train`` / ``audeep t-rae generate``: exit codes, outputs, error messages."""

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from conftest import make_dataset  # noqa: E402

from audeep.dataset import DataSet  # noqa: E402

ARCH = ["--num-units", "3", "--cell", "gru", "--keep-prob", "0.9", "--no-progress"]


@pytest.fixture
def spectra(tmp_path):
    path = tmp_path / "spectra.nc"
    make_dataset(num_files=6, num_chunks=2, shape=(5, 4), seed=7).save(path)
    return path


def test_train_generate_continue(cli, tmp_path, spectra):
    run = tmp_path / "run"
    res = cli("t-rae", "train", "--input", spectra, "--run-name", run, "--num-epochs", "2", "--batch-size", "5",
              "--bidirectional-encoder", *ARCH)
    assert res.status == 0, res
    assert json.loads((run / "config.json").read_text())["architecture"]["bidirectional_encoder"] is True
    res = cli("t-rae", "train", "--input", spectra, "--run-name", run, *ARCH)
    assert res.status == 1 and "already holds a training run" in res.stderr
    res = cli("t-rae", "train", "--input", spectra, "--run-name", run, "--num-epochs", "3", "--continue",
              "-f", "csv", *ARCH)
    assert res.status == 0, res
    assert [line.split(",")[0] for line in res.stdout.split()[1:]] == ["1", "2", "3"]
    # a continued run keeps its optimizer's rate: another one given is refused, not silently ignored
    history = (run / "history.csv").read_text()
    res = cli("t-rae", "train", "--input", spectra, "--run-name", run, "--num-epochs", "4", "--continue",
              "--learning-rate", "0.01", *ARCH)
    errors = [line for line in res.stderr.splitlines() if "error" in line.lower()]
    assert res.status == 1 and len(errors) == 1 and "Traceback" not in res.stderr
    assert f"--learning-rate 0.01: the run in {run} was trained at 0.001" in errors[0]
    assert (run / "history.csv").read_text() == history and not (run / "checkpoints" / "epoch-0004.keras").exists()

    out = tmp_path / "features.nc"
    res = cli("t-rae", "generate", "--model-dir", run, "--input", spectra, "--output", out)
    assert res.status == 0, res
    with DataSet.open(out) as ds, DataSet.open(spectra) as source:
        assert ds.feature_shape == (3,)
        np.testing.assert_array_equal(ds.labels_nominal, source.labels_nominal)
        np.testing.assert_array_equal(ds.chunk_nrs, source.chunk_nrs)

    res = cli("t-rae", "generate", "--model-dir", run, "--input", spectra, "--output", tmp_path / "a.nc",
              "--steps", "2", "9")
    assert res.status == 1 and "available: 1, 2, 3" in res.stderr
    res = cli("t-rae", "generate", "--model-dir", run, "--input", spectra, "--output", tmp_path / "a.nc",
              "--steps", "1", "2")
    assert res.status == 1 and "one --output per step" in res.stderr
    res = cli("t-rae", "generate", "--model-dir", tmp_path, "--input", spectra, "--output", tmp_path / "a.nc")
    assert res.status == 1 and "not a training run directory" in res.stderr
    assert not (tmp_path / "a.nc").exists()

    # a corrupt checkpoint is reported by name
    ckpt = run / "checkpoints" / "epoch-0003.keras"
    ckpt.write_bytes(b"not a checkpoint")
    res = cli("t-rae", "generate", "--model-dir", run, "--input", spectra, "--output", tmp_path / "a.nc")
    assert res.status == 1 and "corrupt checkpoint" in res.stderr and "epoch-0003" in res.stderr
    assert not (tmp_path / "a.nc").exists()


def test_train_bad_input(cli, tmp_path, spectra):
    other = tmp_path / "other.nc"
    make_dataset(num_files=3, num_chunks=1, shape=(5, 6)).save(other)
    res = cli("t-rae", "train", "--input", spectra, other, "--run-name", tmp_path / "r", *ARCH)
    assert res.status == 1 and "same feature shape" in res.stderr
    res = cli("t-rae", "train", "--input", tmp_path / "missing.nc", "--run-name", tmp_path / "r", *ARCH)
    assert res.status == 1 and "missing.nc: no such file" in res.stderr
    res = cli("t-rae", "train", "--input", spectra, "--run-name", tmp_path / "r", "--cell", "rnn")
    assert res.status == 2
    res = cli("t-rae", "train", "--input", spectra, "--run-name", tmp_path / "r", "--keep-prob", "0")
    assert res.status == 2
    assert not (tmp_path / "r").exists()


def test_command_modules_do_not_import_tensorflow():
    code = ("import sys, audeep.cli.autoencoders, audeep.cli.app; "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
