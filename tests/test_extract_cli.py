"""``audeep extract`` on the command line: each output format read back, and the bad inputs."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import tone, write_wav

pytest.importorskip("tensorflow")

from test_extract import SR, train_run  # noqa: E402

from audeep.dataset import DataSet  # noqa: E402


@pytest.fixture(scope="module")
def fixed_run(tmp_path_factory):
    return train_run(tmp_path_factory.mktemp("cli"), "cli", [1.0, 1.0, 0.9, 1.0, 0.8], fixed_length=1.0)


def extract(cli, run, *args):
    return cli("extract", "--model-dir", run, "--jobs", 1, "-f", "json", *args)


def one_line_error(res, *words):
    assert res.status != 0, res
    lines = [line for line in res.stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1, res
    assert "Traceback" not in res.stderr
    for word in words:
        assert str(word) in lines[0], res
    return lines[0]


def test_each_format_reads_back(cli, fixed_run, tmp_path):
    audio, _, run = fixed_run
    files = sorted(str(p) for p in audio.glob("*.wav"))
    outputs = {fmt: tmp_path / f"features.{suffix}" for fmt, suffix in
               (("netcdf", "nc"), ("csv", "csv"), ("parquet", "parquet"))}
    for fmt, output in outputs.items():
        res = extract(cli, run, audio, "--output", output)
        assert res.status == 0, res
        info = json.loads(res.stdout)
        assert info["format"] == fmt and info["rows"] == len(files) and info["files"] == len(files)
    csv = pd.read_csv(outputs["csv"])
    parquet = pd.read_parquet(outputs["parquet"])
    assert list(csv.columns[:4]) == ["file", "start", "end", "feature_0"]
    assert list(parquet.columns) == list(csv.columns)
    assert sorted(csv["file"]) == files and sorted(parquet["file"]) == files
    np.testing.assert_allclose(csv.iloc[:, 3:].to_numpy(), parquet.iloc[:, 3:].to_numpy(), atol=1e-6)
    with DataSet.open(outputs["netcdf"]) as ds:
        assert list(ds.filenames) == list(parquet["file"])
        np.testing.assert_allclose(ds.load_features(), parquet.iloc[:, 3:].to_numpy(), atol=0)
        assert json.loads(ds.attrs["parameters"])["mel_bands"] == 8
    import xarray as xr

    with xr.open_dataset(outputs["netcdf"]) as raw:
        np.testing.assert_allclose(raw["start"].values, parquet["start"])
        np.testing.assert_allclose(raw["end"].values, parquet["end"])


def test_globs_lists_and_workers(cli, fixed_run, tmp_path):
    audio, _, run = fixed_run
    listing = tmp_path / "list.txt"
    listing.write_text(f"# recordings\n{audio / 'clip0.wav'}\n\n{audio / 'clip1.wav'}\n")
    out = tmp_path / "o.csv"
    res = extract(cli, run, str(audio / "clip[2-4].wav"), "--input-list", listing, "--output", out, "--jobs", 2)
    assert res.status == 0, res
    assert sorted(pd.read_csv(out)["file"].str[-9:]) == [f"clip{i}.wav" for i in range(5)]


def test_bad_recordings_fail_or_are_skipped(cli, fixed_run, tmp_path):
    audio, _, run = fixed_run
    bad = tmp_path / "bad"
    shutil.copytree(audio, bad)
    (bad / "garbage.wav").write_bytes(b"RIFF not really audio" * 10)
    (bad / "empty.wav").write_bytes(b"")
    write_wav(bad / "silent.wav", np.zeros(SR), SR)
    data = (audio / "clip0.wav").read_bytes()
    (bad / "truncated.wav").write_bytes(data[:40])
    write_wav(bad / "short.wav", tone(0.005, sample_rate=SR), SR)  # padded to the run's 1 s, as preprocess does
    out = tmp_path / "o.parquet"
    res = extract(cli, run, bad, "--output", out)
    one_line_error(res, "--skip-bad-files")
    assert not out.exists() and not list(tmp_path.glob(".o.parquet*"))
    res = extract(cli, run, bad, "--output", out, "--skip-bad-files")
    assert res.status == 0, res
    info = json.loads(res.stdout)
    assert info["rows"] == 6 and info["skipped files"] == 4
    for name in ("garbage.wav", "empty.wav", "silent.wav", "truncated.wav"):
        assert name in info["skipped"] and name in res.stderr
    assert len(pd.read_parquet(out)) == 6
    res = extract(cli, run, bad / "silent.wav", "--output", out)
    one_line_error(res, "silent.wav", "silent")


def test_bad_runs(cli, fixed_run, tmp_path):
    audio, _, run = fixed_run
    out = tmp_path / "o.csv"
    one_line_error(extract(cli, tmp_path, audio, "--output", out), str(tmp_path), "not a training run")
    broken = tmp_path / "broken"
    shutil.copytree(run, broken)
    for checkpoint in (broken / "checkpoints").iterdir():
        checkpoint.write_bytes(b"corrupt")
    one_line_error(extract(cli, broken, audio, "--output", out), "checkpoint", "corrupt")
    shutil.rmtree(broken / "checkpoints")
    one_line_error(extract(cli, broken, audio, "--output", out), str(broken), "no checkpoints")
    assert not out.exists()


def test_output_among_inputs_is_refused(cli, fixed_run, tmp_path):
    audio, _, run = fixed_run
    line = one_line_error(extract(cli, run, audio / "clip0.wav", "--output", audio / "clip0.wav",
                                  "--output-format", "csv"), "clip0.wav", "read as input")
    assert line.startswith("error: --output")
    one_line_error(extract(cli, run, audio, "--output", audio / "sub" / ".." / "f.csv"), "inside the scanned folder")
    one_line_error(extract(cli, run, tmp_path / "nothing*.wav", "--output", tmp_path / "f.csv"), "nothing*.wav")
    one_line_error(extract(cli, run, audio, "--output", tmp_path / "f.txt"), "--output-format")


def test_old_run_needs_preprocessing_options(cli, fixed_run, tmp_path):
    audio, _, run = fixed_run
    old = tmp_path / "old"
    shutil.copytree(run, old)
    config = json.loads((old / "config.json").read_text())
    recorded = config.pop("preprocessing")
    (old / "config.json").write_text(json.dumps(config))
    out = tmp_path / "o.csv"
    one_line_error(extract(cli, old, audio, "--output", out), "does not record its preprocessing", "--resample")
    res = extract(cli, old, audio, "--output", out, "--window-width", 0.02, "--window-overlap", 0.01,
                  "--mel-spectrum", 8, "--fixed-length", 1, "--resample", recorded["sample_rate"])
    assert res.status == 0, res
    reference = tmp_path / "ref.csv"
    assert extract(cli, run, audio, "--output", reference).status == 0
    np.testing.assert_allclose(pd.read_csv(out).iloc[:, 3:], pd.read_csv(reference).iloc[:, 3:], atol=1e-6)
    one_line_error(extract(cli, run, audio, "--output", out, "--mel-spectrum", 12), "--mel-spectrum", "8")
