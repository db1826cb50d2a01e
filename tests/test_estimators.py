"""The scikit-learn estimators: parameters from the configs, arrays in and out, Pipeline and cross_val_score."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

import audeep  # noqa: E402
from audeep.dataset import DataSet  # noqa: E402
from audeep.errors import ModelError, ParameterError  # noqa: E402

TINY = {"num_units": 4, "num_epochs": 2, "batch_size": 8, "seed": 3}


def _two_classes(n=24, time=5, freq=6, seed=0):
    """Rising vs falling ramps over frequency, with noise: an easy two-class problem."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    ramp = np.linspace(-0.8, 0.8, freq)
    x = np.where(y[:, None, None] == 1, ramp, -ramp) + rng.normal(0, 0.1, (n, time, freq))
    return np.clip(x, -1, 1).astype(np.float32), y


def test_parameters_come_from_the_configs():
    est = audeep.TimeAutoencoder(num_units=8, decoder="standard")
    params = est.get_params()
    assert params["num_units"] == 8 and params["decoder"] == "standard"
    assert params["num_epochs"] == 10 and params["progress"] is False
    assert set(params) >= {"cell", "keep_prob", "learning_rate", "checkpoints_to_keep", "threads"}
    assert clone(est).get_params() == params
    assert "freq_window_width" in audeep.FrequencyTimeAutoencoder().get_params()
    with pytest.raises(TypeError, match="unexpected keyword argument 'num_unit'"):
        audeep.TimeAutoencoder(num_unit=3)


def test_array_in_array_out_and_dataset_in_dataset_out():
    x, _ = _two_classes()
    est = audeep.TimeAutoencoder(**TINY)
    with pytest.raises(ModelError, match="not fitted"):
        est.transform(x)
    features = est.fit(x).transform(x)
    assert isinstance(features, np.ndarray) and features.shape == (24, 4)
    ds = DataSet.create(features=x, filenames=[f"f{i}" for i in range(24)])
    out = est.transform(ds)
    assert isinstance(out, DataSet)
    np.testing.assert_array_equal(out.load_features(), features)
    assert est.fit_transform(x).shape == (24, 4)
    with pytest.raises(ParameterError, match=r"X of shape \(24, 30\)"):
        est.fit(x.reshape(24, -1))


def test_lengths_with_array_input():
    x, _ = _two_classes(n=8)
    est = audeep.TimeAutoencoder(**TINY).fit(x, lengths=np.full(8, 3))
    assert est.transform(x, lengths=np.full(8, 3), features="pooled").shape == (8, 8)
    with pytest.raises(ParameterError, match="lengths"):
        est.transform(x, lengths=[1, 2])


def test_pipeline_and_cross_val_score():
    x, y = _two_classes()
    pipeline = Pipeline([("rae", audeep.TimeAutoencoder(**TINY)), ("svm", audeep.LinearSVM())])
    pipeline.fit(x, y)
    assert pipeline.predict(x).shape == (24,)
    scores = cross_val_score(pipeline, x, y, cv=2)
    assert scores.shape == (2,) and np.all((0 <= scores) & (scores <= 1))
    assert scores.mean() > 0.5  # above chance on an easy problem
