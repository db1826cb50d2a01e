"""Tests of audeep.evaluation.learners: the MLP and the linear SVM as scikit-learn classifiers."""

import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from test_protocol import blobs

from audeep.errors import ParameterError
from audeep.evaluation import LinearSVM, MLPClassifier


def test_mlp_is_a_scikit_learn_classifier_and_deterministic():
    ds = blobs(num_files=30)
    X, y = ds.load_features(), ds.labels_numeric
    mlp = MLPClassifier(num_layers=1, num_units=16, num_epochs=60, learning_rate=0.01, random_state=3)
    assert mlp.get_params()["num_units"] == 16
    assert clone(mlp).set_params(num_units=8).num_units == 8
    pipe = make_pipeline(StandardScaler(), mlp).fit(X, y)
    assert (pipe.predict(X) == y).all()
    fitted = pipe[-1]
    assert fitted.classes_.tolist() == [0, 1, 2]
    assert fitted.loss_curve_.shape == (60,) and fitted.loss_curve_[-1] < fitted.loss_curve_[0]
    assert np.allclose(fitted.predict_proba(StandardScaler().fit(X).transform(X)).sum(axis=1), 1.0, atol=1e-5)
    again = clone(mlp).fit(StandardScaler().fit_transform(X), y)
    assert np.allclose(again.loss_curve_, fitted.loss_curve_)


def test_mlp_mini_batches_with_shuffle_learn():
    ds = blobs(num_files=30)
    X = StandardScaler().fit_transform(ds.load_features())
    mlp = MLPClassifier(num_layers=2, num_units=8, num_epochs=15, batch_size=7, shuffle=True,
                        learning_rate=0.01, random_state=0).fit(X, ds.labels_numeric)
    assert (mlp.predict(X) == ds.labels_numeric).all()
    assert mlp.loss_curve_[-1] < mlp.loss_curve_[0]


def test_mlp_rejects_bad_parameters():
    with pytest.raises(ParameterError, match="keep_prob=0"):
        MLPClassifier(keep_prob=0).fit(np.zeros((2, 2)), [0, 1])
    with pytest.raises(ParameterError, match="batch_size=0"):
        MLPClassifier(batch_size=0).fit(np.zeros((2, 2)), [0, 1])


def test_linear_svm_wraps_linearsvc():
    ds = blobs(num_files=30)
    svm = LinearSVM(complexity=0.5).fit(ds.load_features(), ds.labels_numeric)
    assert svm.svc_.C == 0.5
    assert (svm.predict(ds.load_features()) == ds.labels_numeric).all()
    with pytest.raises(ParameterError, match="complexity=-1"):
        LinearSVM(complexity=-1).fit(ds.load_features(), ds.labels_numeric)


def test_svm_path_does_not_import_tensorflow():
    code = ("import sys, numpy as np; from audeep.evaluation import LinearSVM;"
            "LinearSVM().fit(np.eye(4), [0, 1, 0, 1]).predict(np.eye(4));"
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
