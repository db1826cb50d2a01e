"""Tests of the commands ``audeep mlp|svm evaluate`` and ``audeep mlp|svm predict``."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from audeep.dataset import DataSet
from audeep.evaluation import LinearSVM, evaluate


def write_blobs(path, *, num_files=27, num_chunks=1, dims=5, seed=0, labelled=True):
    """Separable 1-D features of classes a, b, c with 3 folds and train/devel/test partitions."""
    rng = np.random.default_rng(seed)
    file_class = np.arange(num_files) % 3
    file_idx = np.repeat(np.arange(num_files), num_chunks)
    feats = 6.0 * np.eye(3, dims)[file_class[file_idx]] + 0.3 * rng.normal(size=(file_idx.size, dims))
    folds = np.stack([(file_idx // 3) % 3 == k for k in range(3)], axis=1).astype(np.int8)
    DataSet.create(
        features=feats, filenames=[f"f{i:03d}.wav" for i in file_idx],
        chunk_nrs=np.tile(np.arange(num_chunks), num_files),
        labels_nominal=["abc"[c] for c in file_class[file_idx]] if labelled else None,
        cv_folds=folds, partitions=[("train", "devel", "test")[(i // 3) % 3] for i in file_idx],
    ).save(path)
    return path


@pytest.fixture
def blobs_file(tmp_path):
    return write_blobs(tmp_path / "blobs.nc")


def test_svm_evaluate_cross_validate_json(cli, blobs_file):
    res = cli("svm", "evaluate", "--input", blobs_file, "--complexity", "1", "--cross-validate", "--repeat", "2",
              "-f", "json")
    assert res.status == 0, res
    rows = json.loads(res.stdout)
    assert len(rows) == 3 * 2 + 1
    assert [(r["repeat"], r["fold"]) for r in rows[:3]] == [(1, 1), (1, 2), (1, 3)]
    assert all(r["accuracy"] == 1.0 and r["uar"] == 1.0 and r["train"] == 18 and r["eval"] == 9
               for r in rows[:-1])
    assert rows[-1]["repeat"] == "mean" and rows[-1]["accuracy"] == 1.0 and rows[-1]["accuracy_2std"] == 0.0


def test_quiet_prints_accuracy_and_uar_like_the_original(cli, tmp_path):
    path = write_blobs(tmp_path / "noisy.nc", num_files=30, dims=40, seed=3)
    data = DataSet.open(path)
    noisy = data.with_features(data.load_features() + np.random.default_rng(0).normal(0, 3, (30, 40)))
    noisy.save(tmp_path / "noisier.nc")
    data.close()
    res = cli("-q", "svm", "evaluate", "--input", tmp_path / "noisier.nc", "--complexity", "0.1",
              "--cross-validate")
    assert res.status == 0, res
    assert re.fullmatch(r"\d\.\d{4},\d\.\d{4}\n", res.stdout), res.stdout
    expected = evaluate(DataSet.open(tmp_path / "noisier.nc"), learner=LinearSVM(complexity=0.1),
                        cross_validate=True)
    assert res.stdout == f"{expected.accuracy:.4f},{expected.uar:.4f}\n"


def test_mlp_evaluate_partitions_with_plot_and_results(cli, blobs_file, tmp_path):
    png, csv_path = tmp_path / "cm.png", tmp_path / "results.csv"
    args = ("mlp", "evaluate", "--input", blobs_file, "--train-partitions", "train", "devel",
            "--eval-partitions", "test", "--num-epochs", "30", "--num-units", "16", "--learning-rate", "0.01",
            "--confusion-matrix", png, "--results", csv_path, "-f", "csv")
    res = cli(*args)
    assert res.status == 0, res
    lines = res.stdout.strip().splitlines()
    assert lines[0].replace('"', "") == "repeat,fold,accuracy,accuracy_2std,uar,uar_2std,train,eval"
    assert lines[1].replace('"', "").startswith("1,1,1.0,,1.0,,18,9")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert cli(*args).status == 0
    rows = csv_path.read_text().splitlines()
    assert len(rows) == 3 and rows[0].startswith("input,learner,mode,parameters,folds,accuracy")
    assert rows[1].endswith('1,1.000000,0.000000,1.000000,0.000000,"{""classes"": [""a"", ""b"", ""c""], '
                            '""counts"": [[3, 0, 0], [0, 3, 0], [0, 0, 3]]}"')  # the summed confusion matrix


def test_predict_writes_one_row_per_file(cli, blobs_file, tmp_path):
    other = write_blobs(tmp_path / "other.nc", num_files=6, num_chunks=2, seed=5, labelled=False)
    out = tmp_path / "pred.csv"
    res = cli("svm", "predict", "--train-input", blobs_file, "--eval-input", other, "--output", out,
              "--complexity", "1", "--majority-vote", "--train-partitions", "train", "devel")
    assert res.status == 0, res
    assert out.read_text().splitlines() == ["filename,prediction"] + [
        f"f{i:03d}.wav,{'abc'[i % 3]}" for i in range(6)]
    res = cli("mlp", "predict", "--train-input", blobs_file, "--eval-input", other, "--output", out,
              "--num-epochs", "5")
    assert res.status == 0, res
    lines = out.read_text().splitlines()
    assert lines[0] == "filename,chunk_nr,prediction" and len(lines) == 13
    assert [line.rsplit(",", 1)[0] for line in lines[1:3]] == ["f000.wav,0", "f000.wav,1"]


@pytest.mark.parametrize("extra, message", [
    (("--cross-validate", "--train-partitions", "train", "--eval-partitions", "test"), "exclude each other"),
    ((), "no evaluation mode"),
    (("--train-partitions", "train"), "--eval-partitions is missing"),
])
def test_evaluate_bad_modes_fail_with_one_line(cli, blobs_file, extra, message):
    res = cli("svm", "evaluate", "--input", blobs_file, "--complexity", "1", *extra)
    assert res.status == 1
    assert res.stdout == ""
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], res.stderr


def test_predict_with_other_feature_width_fails(cli, blobs_file, tmp_path):
    other = write_blobs(tmp_path / "wide.nc", dims=7)
    out = tmp_path / "pred.csv"
    res = cli("svm", "predict", "--train-input", blobs_file, "--eval-input", other, "--output", out,
              "--complexity", "1")
    assert res.status == 1 and "5 features per instance, the evaluation data 7" in res.stderr
    assert not out.exists()


def test_svm_requires_complexity(cli, blobs_file, capsys):
    res = cli("svm", "evaluate", "--input", blobs_file, "--cross-validate")
    assert res.status == 2 and "--complexity" in res.stderr + capsys.readouterr().err  # argparse: sys.stderr


def test_svm_command_does_not_import_tensorflow(blobs_file):
    code = ("import sys; from audeep.cli.app import main;"
            f"status = main(['-q', 'svm', 'evaluate', '--input', {str(blobs_file)!r}, '--complexity', '1',"
            " '--cross-validate']);"
            "print(status, 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["1.0000,1.0000", "0 False"]
