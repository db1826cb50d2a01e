"""The inductive protocol (issue 17): ``train --fold K``, one features file per fold in ``evaluate``,
and the MFCC control of ``benchmarks/control_features.py``.

The fold tests put NaN in the rows that fold 1 marks VALID: training refuses non-finite input,
so a run on those data succeeds only if exactly the TRAIN rows are fed (also when continued).
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import load_script, make_dataset, one_error, tone, write_wav

from audeep.dataset import DataSet
from audeep.errors import DataSetError, ParameterError
from audeep.evaluation import evaluate
from audeep.training import train_autoencoder

ROOT = Path(__file__).resolve().parents[1]
TINY = ("--num-units", 4, "--batch-size", 4, "--threads", 1, "--no-progress")


@pytest.fixture
def nan_valid():
    """Spectrograms of 9 files, 3 folds, in memory; the VALID rows of fold 1 (3 files) hold NaN."""
    ds = make_dataset(num_files=9, num_chunks=1, shape=(5, 3), num_folds=3, partitions=False, seed=1)
    features = ds.load_features()
    valid = ds.cv_folds[:, 0] == 1
    features[valid] = np.nan
    return ds.with_features(features, feature_dims=("time", "freq")), int((~valid).sum())


def run_config(run):
    return json.loads((run / "config.json").read_text())["training"]


def test_fold_trains_on_exactly_its_train_rows_and_continue_keeps_it(nan_valid, tmp_path):
    data, num_train = nan_valid
    run = tmp_path / "run"
    options = {"architecture": {"num_units": 4}, "batch_size": 4, "threads": 1, "progress": False}
    with pytest.raises(DataSetError, match="NaN"):
        train_autoencoder(kind="t-rae", inputs=[data], run_dir=tmp_path / "all", num_epochs=1, **options)
    result = train_autoencoder(kind="t-rae", inputs=[data], run_dir=run, fold=1, num_epochs=1, **options)
    assert len(result.history) == 1
    training = run_config(run)
    assert training["fold"] == 1 and training["num_instances"] == num_train == 6
    result = train_autoencoder(kind="t-rae", inputs=[data], run_dir=run, resume=True, num_epochs=2, **options)
    assert [r["epoch"] for r in result.history] == [1, 2]  # the recorded fold: the NaN rows stay out
    assert run_config(run)["fold"] == 1
    with pytest.raises(ParameterError, match="fold 2: .* trained on fold 1"):
        train_autoencoder(kind="t-rae", inputs=[data], run_dir=run, resume=True, fold=2, num_epochs=3, **options)


def test_fold_on_the_command_line(cli, tmp_path):
    ds = make_dataset(num_files=9, num_chunks=1, shape=(5, 3), num_folds=3, partitions=False)
    data = tmp_path / "d.nc"
    ds.save(data)
    run = tmp_path / "run"
    res = cli("t-rae", "train", "--input", data, "--run-name", run, "--fold", 2, "--num-epochs", 1, *TINY)
    assert res.status == 0, res
    assert run_config(run)["fold"] == 2 and run_config(run)["num_instances"] == 6
    one_error(cli("t-rae", "train", "--input", data, "--run-name", run, "--continue", "--fold", 3,
                  "--num-epochs", 2, *TINY), "--fold 3", "fold 2")


def test_bad_fold_is_one_line(cli, tmp_path):
    ds = make_dataset(num_files=9, num_chunks=1, shape=(5, 3), num_folds=3, partitions=False)
    data = tmp_path / "d.nc"
    ds.save(data)
    one_error(cli("t-rae", "train", "--input", data, "--run-name", tmp_path / "r", "--fold", 4, *TINY),
              "--fold 4", "3 folds")
    no_folds = tmp_path / "nofolds.nc"
    ds.remove_cv_setup().save(no_folds)
    one_error(cli("f-rae", "train", "--input", no_folds, "--run-name", tmp_path / "r", "--fold", 1, *TINY),
              "--fold 1", "no cross-validation folds")
    assert not (tmp_path / "r").exists()


@pytest.fixture
def fold_features(tmp_path):
    """Three features files (as from three models) of the same 12 instances and 3 folds."""
    paths = []
    for k in range(3):
        ds = make_dataset(num_files=12, num_chunks=1, shape=(5,), num_folds=3, partitions=False, seed=0)
        rng = np.random.default_rng(10 + k)
        labels = ds.labels_numeric[:, None]
        ds = ds.with_features(rng.normal(size=(12, 5)) + 1.5 * labels)  # learnable, different per file
        paths.append(ds.save(tmp_path / f"features{k + 1}.nc"))
    return paths


def svm_table(cli, *inputs):
    res = cli("svm", "evaluate", "--cross-validate", "--complexity", 0.5, "-f", "json", "--input", *inputs)
    assert res.status == 0, res
    return json.loads(res.stdout)


def test_one_file_per_fold(cli, fold_features):
    first = fold_features[0]
    assert svm_table(cli, first, first, first) == svm_table(cli, first)  # the same file k times: the same table
    multi = svm_table(cli, *fold_features)
    for k, path in enumerate(fold_features):  # fold k of the multi-input run = fold k scored on file k alone
        assert multi[k] == svm_table(cli, path)[k]
    assert multi[:3] != svm_table(cli, first)[:3]
    library = evaluate([DataSet.open(p) for p in fold_features], learner="svm", cross_validate=True)
    assert [round(f.accuracy, 4) for f in library.folds] == [row["accuracy"] for row in multi[:3]]


def test_mismatched_fold_files_are_one_line(cli, fold_features, tmp_path):
    other = make_dataset(num_files=12, num_chunks=1, shape=(5,), num_folds=3, partitions=False)
    renamed = other.data.assign(filename=("instance", [f"x_{i}.wav" for i in range(12)]))
    DataSet(renamed).save(tmp_path / "renamed.nc")
    base = ("svm", "evaluate", "--complexity", 1)
    one_error(cli(*base, "--cross-validate", "--input", fold_features[0], fold_features[1], tmp_path / "renamed.nc"),
              "renamed.nc", "filename", "x_0.wav")
    one_error(cli(*base, "--cross-validate", "--input", *fold_features[:2]), "2 data sets for 3", "--input")
    one_error(cli(*base, "--input", *fold_features), "--cross-validate")


def control(monkeypatch, *args):
    """Run ``benchmarks/control_features.py ARGS`` in this process: (exit status, one-line message or None)."""
    script = load_script(ROOT / "benchmarks" / "control_features.py", "control_features")
    monkeypatch.setattr(sys, "argv", ["control_features.py", *map(str, args)])
    try:
        script.main()
    except SystemExit as exc:  # sys.exit("error: ...") prints the message and exits with status 1
        return 1, str(exc.code)
    return 0, None


def test_mfcc_control_equals_librosa(tmp_path, monkeypatch):
    import librosa
    import soundfile

    from audeep.preprocessing.extract import run_extraction

    audio = tmp_path / "audio"
    for i, seconds in enumerate([0.8, 1.0, 1.2]):
        write_wav(audio / f"clip{i}.wav", tone(seconds, freq=300 + 170 * i, sample_rate=8000, seed=i), 8000)
    data = tmp_path / "spectrograms.nc"
    run_extraction(audio, parser="no_metadata", output=data, jobs=1, progress=False, window_width=0.02,
                   window_overlap=0.01, mel_bands=16, fixed_length=1.0, center_fixed=True)
    assert control(monkeypatch, "--kind", "mfcc", "--n-mfcc", 12, "--input", data, "--output",
                   tmp_path / "mfcc.nc") == (0, None)
    with DataSet.open(tmp_path / "mfcc.nc") as out:
        got = dict(zip(out.filenames.astype(str), out.load_features()))
        assert out.feature_shape == (24,)
    signal, sr = soundfile.read(audio / "clip0.wav")  # 6400 samples, centred in 8000
    padded = np.concatenate([np.zeros(800), signal, np.zeros(800)])
    mfcc = librosa.feature.mfcc(y=padded.astype(np.float32), sr=sr, n_mfcc=12, n_fft=160, hop_length=80,
                                center=False, n_mels=16, htk=True)
    np.testing.assert_allclose(got["clip0.wav"], np.concatenate([mfcc.mean(1), mfcc.std(1)]), rtol=1e-4,
                               atol=1e-3)
    chunked = tmp_path / "chunked.nc"
    run_extraction(audio, parser="no_metadata", output=chunked, jobs=1, progress=False, window_width=0.02,
                   window_overlap=0.01, mel_bands=16, fixed_length=1.0, chunk_length=0.49, chunk_count=2)
    status, message = control(monkeypatch, "--kind", "mfcc", "--input", chunked, "--output", tmp_path / "c.nc")
    assert status == 1 and message.startswith("error: ") and "\n" not in message and "chunked" in message, message
    assert not (tmp_path / "c.nc").exists()
