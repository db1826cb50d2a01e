"""The Dask engine (``--scheduler``): preprocess, extract and generate equal the serial run byte for byte,
a killed worker loses and repeats nothing, sweeps of trainings as tasks, and the bad inputs.

One 2-process ``LocalCluster`` serves the whole module (its workers load TensorFlow once).
"""

import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import xarray as xr
from conftest import one_error, run_cli, tone, write_wav

distributed = pytest.importorskip("distributed")

from audeep.dataset import DataSet  # noqa: E402
from audeep.errors import ParameterError  # noqa: E402
from audeep.preprocessing.extract import run_extraction  # noqa: E402

SR = 8000
SPEC = {"window_width": 0.02, "window_overlap": 0.01, "mel_bands": 8}
ARCH = {"num_units": 4, "cell": "gru"}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  silence_logs=50) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def audio(tmp_path_factory):
    """16 clips of different lengths (variable-length spectrograms)."""
    root = tmp_path_factory.mktemp("audio")
    for i in range(16):
        write_wav(root / f"clip{i:02d}.wav", tone(0.4 + 0.05 * i, freq=300 + 60 * i, sample_rate=SR, seed=i), SR)
    return root


@pytest.fixture(scope="module")
def serial(audio, tmp_path_factory):
    """The serial preprocess output and a 1-epoch run trained on it."""
    from audeep.training import train_autoencoder

    folder = tmp_path_factory.mktemp("serial")
    data = folder / "serial.nc"
    run_extraction(audio, parser="no_metadata", output=data, jobs=1, progress=False, **SPEC)
    run = folder / "run"
    train_autoencoder(kind="t-rae", inputs=[data], run_dir=run, architecture=ARCH, num_epochs=1, batch_size=4,
                      progress=False, threads=1)
    return data, run


def assert_same_files(expected, got):
    """Every variable of two netCDF data sets is equal (values, dtypes)."""
    with xr.open_dataset(expected) as a, xr.open_dataset(got) as b:
        assert sorted(a.variables) == sorted(b.variables)
        for name in a.variables:
            assert a[name].dtype == b[name].dtype, name
            assert np.array_equal(a[name].values, b[name].values), name


def test_preprocess_equals_serial(audio, serial, cluster, tmp_path):
    out = tmp_path / "dask.nc"
    run_extraction(audio, parser="no_metadata", output=out, scheduler=cluster, progress=False, **SPEC)
    assert_same_files(serial[0], out)


def test_generate_equals_serial(serial, cluster, tmp_path):
    from audeep.training import generate_features

    data, run = serial
    generate_features(run_dir=run, input=data, outputs=[tmp_path / "serial.nc"], batch_size=3)
    generate_features(run_dir=run, input=data, outputs=[tmp_path / "dask.nc"], batch_size=3, scheduler=cluster)
    assert_same_files(tmp_path / "serial.nc", tmp_path / "dask.nc")
    with pytest.raises(ParameterError, match="give the file name"):
        generate_features(run_dir=run, input=DataSet.open(data).select(np.arange(4)), outputs=[tmp_path / "memory.nc"],
                          scheduler=cluster)
    assert not (tmp_path / "memory.nc").exists()


def test_extract_equals_serial(audio, serial, cluster, tmp_path):
    from audeep.training.extraction import extract_features

    _, run = serial
    for name, scheduler in (("serial.nc", None), ("dask.nc", cluster)):
        extract_features(run_dir=run, inputs=[audio], output=tmp_path / name, batch_size=5, jobs=1,
                         scheduler=scheduler, progress=False)
    assert_same_files(tmp_path / "serial.nc", tmp_path / "dask.nc")


def test_cli_local_cluster(audio, serial, tmp_path):
    out = tmp_path / "local.nc"
    result = run_cli("preprocess", "--basedir", audio, "--parser", "no_metadata", "--output", out,
                     "--window-width", 0.02, "--window-overlap", 0.01, "--mel-spectrum", 8, "--scheduler", "local:2")
    assert result.status == 0, result
    assert_same_files(serial[0], out)


def test_unreachable_scheduler(audio, tmp_path, monkeypatch):
    from audeep.cluster import dask_engine

    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT", 3.0)
    start = time.monotonic()
    result = run_cli("preprocess", "--basedir", audio, "--parser", "no_metadata", "--output", tmp_path / "x.nc",
                     "--scheduler", "tcp://127.0.0.1:1")
    assert time.monotonic() - start < 30
    one_error(result, "--scheduler tcp://127.0.0.1:1", "no Dask scheduler")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["local:0", "local:x", "tcp://a b"])
def test_bad_scheduler(value, audio, tmp_path):
    result = run_cli("preprocess", "--basedir", audio, "--parser", "no_metadata", "--output", tmp_path / "x.nc",
                     "--scheduler", value)
    one_error(result, "--scheduler", value.split(" ")[0])
    assert list(tmp_path.iterdir()) == []


def test_without_the_extra(audio, tmp_path):
    """Without ``distributed``: one line saying how to install it; without --scheduler dask is never imported."""
    code = ("import sys; sys.modules['distributed'] = None; from audeep.cli.app import main; "
            "status = main(sys.argv[1:]); assert 'dask' not in sys.modules or '--scheduler' in sys.argv; "
            "sys.exit(status)")
    base = [sys.executable, "-c", code, "preprocess", "--basedir", str(audio), "--parser", "no_metadata",
            *map(str, ("--window-width", 0.02, "--window-overlap", 0.01, "--mel-spectrum", 8, "--jobs", 1))]
    missing = subprocess.run([*base, "--output", str(tmp_path / "x.nc"), "--scheduler", "local:2"],
                             capture_output=True, text=True)
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        'error: --scheduler local:2: needs the dask extra: pip install "audeep[dask]"']
    plain = subprocess.run([*base, "--output", str(tmp_path / "y.nc"), "-f", "value", "-c", "instances"],
                           capture_output=True, text=True)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.strip() == "16"


def test_sweep(serial, cluster, tmp_path):
    """Two trainings as Dask tasks, each the fixture's serial training: the same loss; a re-run skips them."""
    from audeep.cluster.sweeps import run_sweep
    from audeep.training.runs import read_history

    data, run = serial
    (tmp_path / "sweep.json").write_text(json.dumps({
        "defaults": {"kind": "t-rae", "inputs": [str(data)], "num_epochs": 1, "batch_size": 4, "threads": 1,
                     "architecture": ARCH},
        "runs": [{"run_dir": "runs/copy{copy}", "grid": {"copy": [1, 2]}}]}))
    remote = run_sweep(tmp_path / "sweep.json", scheduler=cluster)
    assert [r["status"] for r in remote] == ["trained", "trained"]
    assert [r["loss"] for r in remote] == [read_history(run)[-1]["loss"]] * 2
    assert (tmp_path / "runs" / "copy2" / "checkpoints" / "epoch-0001.keras").is_file()
    result = run_cli("sweep", "--file", tmp_path / "sweep.json", "--scheduler", cluster, "-f", "csv")
    assert result.status == 0, result
    assert result.stdout.count("skipped (complete)") == 2
    assert [r["status"] for r in run_sweep(tmp_path / "sweep.json")] == ["skipped (complete)"] * 2  # here


def test_bad_sweep(tmp_path):
    sweep = tmp_path / "sweep.json"
    sweep.write_text(json.dumps({"runs": [{"kind": "t-rae", "inputs": ["x.nc"], "run_dir": "r", "epochs": 3}]}))
    one_error(run_cli("sweep", "--file", sweep), "--file", "runs[0]", "epochs")
    sweep.write_text(json.dumps({"runs": [{"kind": "t-rae", "inputs": ["missing.nc"], "run_dir": "r{seed}"}]}))
    one_error(run_cli("sweep", "--file", sweep), "runs[0]", "seed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.json"]


def test_killed_worker(audio, serial, cluster, tmp_path):
    """A worker killed mid-run: Dask runs its tasks again; no row is lost or repeated."""
    client = distributed.Client(cluster, set_as_default=False)
    pids = client.run(os.getpid)
    killed = []

    def kill_when_busy():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not killed:
            for worker, keys in client.processing().items():
                if any(str(k).startswith("audeep-") for k in keys):
                    os.kill(pids[worker], 9)
                    killed.append(worker)
                    return
            time.sleep(0.005)

    thread = threading.Thread(target=kill_when_busy)
    thread.start()
    out = tmp_path / "killed.nc"
    many = tmp_path / "many"
    many.mkdir()
    for i in range(128):  # enough work that the kill lands while tasks run
        os.symlink(audio / f"clip{i % 16:02d}.wav", many / f"clip{i:03d}.wav")
    run_extraction(many, parser="no_metadata", output=out, scheduler=cluster, progress=False, **SPEC)
    thread.join()
    client.close()
    assert killed
    reference = tmp_path / "serial.nc"
    run_extraction(many, parser="no_metadata", output=reference, jobs=1, progress=False, **SPEC)
    assert_same_files(reference, out)
