"""The MLP's training loop is traced once per shape and reused across folds, with the results of fresh fits."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from audeep.evaluation import learners  # noqa: E402
from audeep.evaluation.learners import MLPClassifier  # noqa: E402


def test_reused_loop_gives_fresh_results_and_own_models():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 6)).astype(np.float32), rng.integers(0, 3, 30)
    probe = rng.normal(size=(5, 6)).astype(np.float32)
    params = dict(num_units=8, num_epochs=20)

    learners._WORKSPACE.clear()
    first = MLPClassifier(random_state=1, **params).fit(x, y)
    loop = learners._WORKSPACE[0][2]
    before = first.predict_proba(probe)
    second = MLPClassifier(random_state=2, **params).fit(x[:27], y[:27])  # another split size: same loop
    assert learners._WORKSPACE[0][2] is loop and loop.experimental_get_tracing_count() == 1
    # the first estimator's model is its own: training the second did not change it
    np.testing.assert_array_equal(first.predict_proba(probe), before)

    learners._WORKSPACE.clear()  # a fresh loop gives bit-identical results
    fresh = MLPClassifier(random_state=2, **params).fit(x[:27], y[:27])
    np.testing.assert_array_equal(fresh.loss_curve_, second.loss_curve_)
    np.testing.assert_array_equal(fresh.predict_proba(probe), second.predict_proba(probe))
    assert not np.array_equal(first.predict_proba(probe), second.predict_proba(probe))
