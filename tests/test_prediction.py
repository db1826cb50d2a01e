"""Future-frame prediction (predict_ahead): the loss against numpy, the model's weights and a training run."""

import json

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from conftest import make_dataset  # noqa: E402

from audeep.models.autoencoders import TimeAutoencoderModel  # noqa: E402
from audeep.models.config import TimeAutoencoderConfig  # noqa: E402
from audeep.models.prediction import check_prediction_devices, prediction_error  # noqa: E402
from audeep.training import load_autoencoder, train_autoencoder  # noqa: E402


def _dense(units_in, units_out, seed):
    rng = np.random.default_rng(seed)
    layer = keras.layers.Dense(units_out)
    layer.build((None, None, units_in))
    kernel, bias = rng.normal(size=(units_in, units_out)), rng.normal(size=units_out)
    layer.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    return layer, kernel, bias


def test_prediction_error_equals_numpy_over_valid_pairs():
    rng = np.random.default_rng(0)
    batch, time, freq, units, ahead = 3, 7, 4, 5, 2
    x = rng.normal(size=(batch, time, freq)).astype(np.float32)
    seqs = [rng.normal(size=(batch, time, units)).astype(np.float32) for _ in range(2)]
    lengths = np.array([7, 5, 2], np.int32)  # the last clip has no valid pair
    layers = [_dense(units, freq, s) for s in (1, 2)]
    got = prediction_error([d for d, _, _ in layers], [tf.constant(s) for s in seqs], tf.constant(x), ahead=ahead,
                           lengths=tf.constant(lengths)).numpy()
    squares = []
    for d, (_, kernel, bias) in enumerate(layers):
        for i, n in enumerate(lengths):
            clip = x[i, :n] if d == 0 else x[i, :n][::-1]  # the backward direction reads the valid steps reversed
            for t in range(n - ahead):
                pred = seqs[d][i, t] @ kernel + bias
                squares.append(np.mean((pred - clip[t + ahead]) ** 2))
    np.testing.assert_allclose(got, np.sqrt(np.mean(squares)), rtol=1e-5)
    unpadded = prediction_error([layers[0][0]], [tf.constant(seqs[0])], tf.constant(x), ahead=ahead).numpy()
    pred = seqs[0][:, :time - ahead] @ layers[0][1] + layers[0][2]
    np.testing.assert_allclose(unpadded, np.sqrt(np.mean((pred - x[:, ahead:]) ** 2)), rtol=1e-5)


def test_predictors_exist_only_when_asked_and_survive_the_config():
    plain = TimeAutoencoderModel(num_features=4, num_units=3, bidirectional_encoder=True)
    plain.build((None, 6, 4))
    model = TimeAutoencoderModel(num_features=4, num_units=3, bidirectional_encoder=True, predict_ahead=2)
    model.build((None, 6, 4))
    assert len(model.get_weights()) == len(plain.get_weights()) + 4  # a kernel and a bias per direction
    again = TimeAutoencoderModel.from_config(model.get_config())
    assert again.predict_ahead == 2 and again.predict_weight == 1.0
    check_prediction_devices(TimeAutoencoderConfig(predict_ahead=2))  # one device: fine


def test_training_with_prediction_adds_its_loss_and_generates(tmp_path):
    data = tmp_path / "spectra.nc"
    make_dataset(num_files=12, num_chunks=1, shape=(8, 4), seed=3).save(data)
    options = dict(kind="t-rae", inputs=[data], num_epochs=1, batch_size=6, seed=1, progress=False)
    arch = {"num_units": 4, "bidirectional_encoder": True}
    plain = train_autoencoder(run_dir=tmp_path / "plain", architecture=arch, **options)
    both = train_autoencoder(run_dir=tmp_path / "both", architecture={**arch, "predict_ahead": 2}, **options)
    assert json.loads((tmp_path / "both" / "config.json").read_text())["architecture"]["predict_ahead"] == 2
    # same seed, same reconstruction weights at the start: the objective adds a positive term
    assert both.history[0]["loss"] > plain.history[0]["loss"]
    model = load_autoencoder(tmp_path / "both")
    assert model.predict_ahead == 2 and len(model.predictors) == 2
