"""The Python API (``import audeep``) and the ESC-10 tutorial script, on a synthetic data set."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import load_script

import audeep
from audeep.demo import make_demo_dataset

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves():
    for name in audeep.__all__:
        assert getattr(audeep, name) is not None, name
    assert set(audeep.__all__) <= set(dir(audeep))
    with pytest.raises(AttributeError, match="no_such_thing"):
        audeep.no_such_thing


def test_import_audeep_does_not_import_tensorflow():
    code = ("import sys, audeep; audeep.DataSet; audeep.make_demo_dataset; "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_public_api_parameters_are_keyword_only():
    import inspect

    for name in ("extract_spectrograms", "evaluate", "export", "make_demo_dataset", "run_demo",
                 "train_autoencoder", "generate_features"):
        params = list(inspect.signature(getattr(audeep, name)).parameters.values())
        positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        assert len(positional) <= 2, f"audeep.{name}: {positional} may be passed by position"
    for cls in ("TimeAutoencoder", "MLPClassifier", "LinearSVM"):
        params = list(inspect.signature(getattr(audeep, cls)).parameters.values())
        assert all(p.kind is p.KEYWORD_ONLY for p in params), cls


def _load_tutorial():
    return load_script(ROOT / "docs" / "tutorial_esc10.py", "tutorial_esc10")


@pytest.fixture(scope="module")
def tutorial_run(tmp_path_factory):
    """The tutorial script with small settings on 4 synthetic classes x 10 clips."""
    base = tmp_path_factory.mktemp("tutorial")
    make_demo_dataset(base / "esc", num_classes=4, clips_per_class=10, seconds=2.0, seed=1)
    lines = []
    result = _load_tutorial().run_tutorial(
        base / "esc", base / "work", window_width=0.05, window_overlap=0.025, mel_bands=32, fixed_length=2.0,
        clip_below=-60.0, num_layers=1, num_units=16, num_epochs=3, batch_size=8, mlp_epochs=100, jobs=1,
        echo=lines.append)
    return base, result, lines


def test_tutorial_script_runs_every_step(tutorial_run):
    base, result, lines = tutorial_run
    assert [line.split(".")[0] for line in lines] == ["1", "2", "3", "4", "5", "6", "7"]
    assert result["raw"]["files"] == 40 and result["raw"]["parser"] == "esc"
    # fixed length 2 s at 16 kHz, 50 ms windows every 25 ms: (32000 - 400) // 400 = 79 frames
    assert result["spectrograms"].feature_shape == (79, 32)
    features = result["features"]
    assert features.num_instances == 40 and features.feature_shape == (32,)  # 16 units x 2 decoder directions
    assert np.all(np.abs(features.load_features()) <= 1.0)  # tanh representation
    for scores in (result["mlp"], result["svm"]):
        assert len(scores.folds) == 5 and 0.0 <= scores.accuracy <= 1.0
        assert scores.confusion_matrix.sum() == 40
    assert len(list(Path(result["arff"]).rglob("*.arff"))) == 5
    for path in result["plots"].values():
        assert Path(path).read_bytes()[:4] == b"\x89PNG"


def test_api_features_equal_the_cli_features(tutorial_run, cli):
    """The Python API and `audeep t-rae generate` on the same run give the same features."""
    base, result, _ = tutorial_run
    work = base / "work"
    status = cli("t-rae", "generate", "--model-dir", work / "run", "--input", work / "esc10.nc",
                 "--output", work / "cli-features.nc")
    assert status.status == 0, status
    with audeep.DataSet.open(work / "cli-features.nc") as from_cli, audeep.DataSet.open(work / "features.nc") as api:
        assert list(from_cli.filenames) == list(api.filenames)
        np.testing.assert_allclose(from_cli.load_features(), api.load_features(), atol=1e-5)
        assert list(from_cli.labels_nominal) == list(api.labels_nominal)
        np.testing.assert_array_equal(from_cli.cv_folds, api.cv_folds)


def test_api_evaluation_equals_the_cli_evaluation(tutorial_run, cli):
    base, result, _ = tutorial_run
    status = cli("-q", "svm", "evaluate", "--input", base / "work" / "features.nc", "--cross-validate",
                 "--complexity", "0.01")
    assert status.status == 0, status
    accuracy, uar = (float(v) for v in status.stdout.strip().split(","))
    assert accuracy == pytest.approx(result["svm"].accuracy, abs=1e-4)
    assert uar == pytest.approx(result["svm"].uar, abs=1e-4)
