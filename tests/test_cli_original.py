"""The original auDeep's command lines work: retired options, the logs/ model folder, its defaults."""

import json

import numpy as np
import pytest
from conftest import make_dataset

from audeep.dataset import DataSet


def test_original_train_and_generate_command_lines(cli, tmp_path, monkeypatch):
    """``t-rae train --tempdir T --mask-silence`` (run name ./test-run) and ``generate --model-dir test-run/logs``."""
    pytest.importorskip("tensorflow")
    monkeypatch.chdir(tmp_path)
    make_dataset(num_files=4, num_chunks=1, shape=(4, 3), seed=3).save(tmp_path / "spectra.nc")
    res = cli("t-rae", "train", "--input", "spectra.nc", "--tempdir", tmp_path / "tmp", "--mask-silence",
              "--num-epochs", "1", "--batch-size", "4", "--num-units", "2", "-f", "json")
    assert res.status == 0, res
    assert [row["epoch"] for row in json.loads(res.stdout)] == [1]
    assert "--tempdir is no longer needed and is ignored" in res.stderr
    assert "--mask-silence is no longer needed and is ignored" in res.stderr
    assert not (tmp_path / "tmp").exists()
    # stderr is not a terminal: the epoch's progress is a log record, not carriage-return frames
    assert "epoch 1: 1/1 batches (100%)" in res.stderr and "\r" not in res.stderr
    assert json.loads((tmp_path / "test-run" / "config.json").read_text())["kind"] == "t-rae"

    res = cli("t-rae", "generate", "--model-dir", "test-run/logs", "--input", "spectra.nc", "--output",
              "features.nc", "-f", "json")
    assert res.status == 0, res
    assert json.loads(res.stdout) == [{"step": 1, "output": "features.nc"}]
    assert "features.nc: 1/1 batches (100%)" in res.stderr
    with DataSet.open(tmp_path / "features.nc") as features:
        assert features.feature_shape == (2,) and features.num_instances == 4

    # a logs/ folder that belongs to no run is still an error naming it
    (tmp_path / "other" / "logs").mkdir(parents=True)
    res = cli("t-rae", "generate", "--model-dir", tmp_path / "other" / "logs", "--input", "spectra.nc",
              "--output", "x.nc")
    assert res.status == 1 and "--model-dir" in res.stderr and "not a training run directory" in res.stderr


def test_retired_options_only_where_the_original_had_them(cli, tmp_path, capsys):
    """``--mask-silence`` was a t-rae option; f-rae rejects it as the original did."""
    res = cli("f-rae", "train", "--input", tmp_path / "x.nc", "--mask-silence")
    assert res.status == 2 and "unrecognized arguments: --mask-silence" in capsys.readouterr().err


def test_tsne_takes_the_originals_defaults():
    """``visualize tsne --input F``: perplexity 50, learning rate 1000, the plot in ./tsne.png.

    (Parsed only: t-SNE itself is run by tests/test_cli_formats.py.)
    """
    from pathlib import Path

    from audeep.cli.app import AudeepApp
    from audeep.cli.datasets import VisualizeTSNE

    command = VisualizeTSNE(AudeepApp(), None, cmd_name="visualize tsne")
    args = command.get_parser("audeep visualize tsne").parse_args(["--input", "f.nc"])
    assert (args.perplexity, args.learning_rate, args.output) == (50.0, 1000.0, Path("tsne.png"))


def test_predict_output_and_cv_setup_as_documented(cli, tmp_path):
    """Two documented differences: predict writes CSV with a header; CV folds are stratified groups by seed."""
    make_dataset(num_files=12, num_chunks=1, shape=(3,), seed=5).save(tmp_path / "f.nc")
    res = cli("svm", "predict", "--train-input", tmp_path / "f.nc", "--eval-input", tmp_path / "f.nc",
              "--output", tmp_path / "p.csv", "--complexity", "1")
    assert res.status == 0, res
    lines = (tmp_path / "p.csv").read_text().splitlines()
    assert lines[0] == "filename,prediction" and len(lines) == 13
    res = cli("modify", "--input", tmp_path / "f.nc", "--output", tmp_path / "m.nc", "--add-cv-setup", "3")
    assert res.status == 0, res
    with DataSet.open(tmp_path / "m.nc") as data:
        valid = data.cv_folds.argmax(axis=1)
        labels = data.labels_nominal
        # stratified: every fold validates 2 files of each class
        for fold in range(3):
            assert sorted(labels[valid == fold].tolist()) == ["a", "a", "b", "b"]
        assert np.array_equal(data.cv_folds.sum(axis=1), np.ones(12))


@pytest.mark.parametrize("words", [["tempdir"], ["mask", "silence"]])
def test_retired_options_are_documented(words):
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "differences.md").read_text(encoding="utf-8")
    assert f"--{'-'.join(words)}" in text
