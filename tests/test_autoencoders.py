"""One model test for every autoencoder kind: build, fit one step, save, reload, same outputs."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from audeep.errors import ParameterError  # noqa: E402
from audeep.models.autoencoders import model_class  # noqa: E402
from audeep.models.config import config_class  # noqa: E402

SHAPE = (4, 10)  # time, freq
WINDOWS = {"freq_window_width": 4, "freq_window_overlap": 2}
CASES = [
    ("t-rae", {"num_units": 3, "num_layers": 2, "bidirectional_decoder": True}),
    ("t-rae", {"num_units": 3, "cell": "LSTM", "bidirectional_encoder": True, "decoder": "standard"}),
    ("f-rae", {"num_units": 3, "bidirectional_encoder": True, **WINDOWS}),
    ("ft-rae", {"num_f_units": 3, "num_t_units": 4, "num_t_layers": 1, "cell": "LSTM",
                "bidirectional_t_decoder": True, **WINDOWS}),
]


def run_model_test(kind, architecture, tmp_path):
    """Build a model of ``kind``, train one step, save, reload: same config, weights and outputs."""
    keras.utils.set_random_seed(1)
    x = np.random.default_rng(0).uniform(-1, 1, (5,) + SHAPE).astype(np.float32)
    model = model_class(kind)(num_features=SHAPE[1], name=f"{kind}-model", **architecture)
    model.compile(optimizer=keras.optimizers.Adam(1e-2, clipvalue=2.0))
    before = [w.copy() for w in model.get_weights()] if model.built else None
    history = model.fit(x, epochs=1, batch_size=5, verbose=0, shuffle=False)
    assert np.isfinite(history.history["loss"][0])
    if before is not None:
        assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    reconstruction = np.asarray(model(x, training=False))
    assert reconstruction.shape == x.shape and np.all(np.abs(reconstruction) <= 1)

    config = model.get_config()
    assert config["num_features"] == SHAPE[1]
    assert {k: config[k] for k in architecture} == {k: config_class(kind)(**architecture).values()[k]
                                                     for k in architecture}
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    assert type(again) is type(model) and again.name == model.name
    assert again.architecture() == model.architecture() and again.config == model.config
    assert again.dtype_policy.name == model.dtype_policy.name and again.trainable == model.trainable
    np.testing.assert_allclose(np.asarray(again(x, training=False)), reconstruction, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(again.encode(x)), np.asarray(model.encode(x)), rtol=1e-6, atol=1e-6)
    return model


@pytest.mark.parametrize("kind,architecture", CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
def test_model(kind, architecture, tmp_path):
    run_model_test(kind, architecture, tmp_path)


@pytest.mark.parametrize("kind", ["t-rae", "f-rae", "ft-rae"])
def test_config_object_or_keywords_not_both(kind):
    cls, config = model_class(kind), config_class(kind)(**(WINDOWS if kind != "t-rae" else {}))
    assert cls(num_features=SHAPE[1], config=config).config == config
    with pytest.raises(ParameterError, match="either as a config or as parameters"):
        cls(num_features=SHAPE[1], config=config, keep_prob=0.5)
    with pytest.raises(ParameterError, match="num_features 0: expected a positive integer"):
        cls(num_features=0, **(WINDOWS if kind != "t-rae" else {}))


def test_unknown_kind():
    with pytest.raises(ParameterError, match="kind 'x-rae': expected one of"):
        model_class("x-rae")
