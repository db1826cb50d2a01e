"""The t-RAE model: shapes, numerics against NumPy references, noise, feed-previous, serialisation."""

import itertools

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from audeep.errors import ParameterError  # noqa: E402
from audeep.models import layers  # noqa: E402
from audeep.models.autoencoders import TimeAutoencoderModel as TimeAutoencoder  # noqa: E402
from audeep.models.base import MODEL_KINDS, rmse  # noqa: E402

T, F = 7, 5


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(0).uniform(-1, 1, size=(3, T, F)).astype(np.float32)


def _model(**kwargs):
    keras.utils.set_random_seed(1)
    kwargs.setdefault("num_features", F)
    kwargs.setdefault("num_units", 4)
    model = TimeAutoencoder(**kwargs)
    model.build((None, T, F))
    return model


@pytest.mark.parametrize("cell,bi_enc,bi_dec,num_layers",
                         list(itertools.product(["GRU", "lstm"], [False, True], [False, True], [1, 2])))
def test_shapes_for_every_combination(x, cell, bi_enc, bi_dec, num_layers):
    model = _model(cell=cell, bidirectional_encoder=bi_enc, bidirectional_decoder=bi_dec, num_layers=num_layers)
    expected = 4 * num_layers * (2 if cell.upper() == "LSTM" else 1) * (2 if bi_dec else 1)
    assert model.representation_size == expected
    assert tuple(model.encode(x).shape) == (3, expected)
    assert tuple(model(x).shape) == (3, T, F)
    assert tuple(model(x, training=True).shape) == (3, T, F)


@pytest.mark.parametrize("bi_dec", [False, True])
def test_standard_decoder_shapes(x, bi_dec):
    model = _model(decoder="standard", bidirectional_decoder=bi_dec, num_layers=2)
    assert tuple(model(x).shape) == (3, T, F)


def test_registry_and_bad_parameters():
    assert MODEL_KINDS["t-rae"] is TimeAutoencoder
    with pytest.raises(ParameterError, match="cell 'RNN'"):
        TimeAutoencoder(num_features=F, cell="RNN")
    with pytest.raises(ParameterError, match="keep_prob 0"):
        TimeAutoencoder(num_features=F, keep_prob=0.0)
    with pytest.raises(ParameterError, match="decoder 'fancy'"):
        TimeAutoencoder(num_features=F, decoder="fancy")
    with pytest.raises(ParameterError, match=r"expects \(time, 5\)"):
        TimeAutoencoder(num_features=F).check_input_shape((T, 6))


def test_loss_is_rmse_against_time_reversed_input(x):
    model = _model()
    recon = np.asarray(model(x))
    expected = np.sqrt(np.mean((x[:, ::-1, :] - recon) ** 2))
    assert float(model.loss_fn(x, recon)) == pytest.approx(expected, rel=1e-5)
    # variable length: the target reverses each input's valid steps, its padding stays at the end and is left out
    lengths = np.array([7, 4, 2])
    target = x.copy()
    mask = np.zeros((3, T, 1))
    for i, n in enumerate(lengths):
        target[i, :n] = x[i, :n][::-1]
        mask[i, :n] = 1
    np.testing.assert_array_equal(np.asarray(model.target(x, lengths)), target)
    err = (target - recon) ** 2 * mask
    expected = np.sqrt(err.sum() / (mask.sum() * F))
    assert float(rmse(target, recon, lengths)) == pytest.approx(expected, rel=1e-5)
    assert float(model.loss_fn(x, recon, lengths)) == pytest.approx(expected, rel=1e-5)


def _np_gru(xs, h, cell):
    """Reference GRU (reset_after) over xs [batch, time, in] with Keras weights; returns all h."""
    kernel, recurrent, bias = (np.asarray(w) for w in (cell.kernel, cell.recurrent_kernel, cell.bias))
    u = h.shape[-1]
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    out = []
    for t in range(xs.shape[1]):
        xi = xs[:, t] @ kernel + bias[0]
        hr = h @ recurrent + bias[1]
        z = sig(xi[:, :u] + hr[:, :u])
        r = sig(xi[:, u:2 * u] + hr[:, u:2 * u])
        cand = np.tanh(xi[:, 2 * u:] + r * hr[:, 2 * u:])
        h = z * h + (1 - z) * cand
        out.append(h)
    return np.stack(out, axis=1)


def _dense(v, layer):
    return v @ np.asarray(layer.kernel) + np.asarray(layer.bias)


def test_paper_decoder_against_numpy_reference(x):
    """Unidirectional encoder, bidirectional paper decoder, 1 GRU layer, computed by hand."""
    model = _model(bidirectional_decoder=True)
    u = 4
    enc = _np_gru(x, np.zeros((3, u)), model.encoders[0].rnns[0].cell)
    rep = np.tanh(_dense(enc[:, -1], model.representation_dense))
    np.testing.assert_allclose(np.asarray(model.encode(x)), rep, atol=1e-5)
    target = x[:, ::-1]
    dec_in = np.concatenate([np.zeros_like(target[:, :1]), target[:, :-1]], axis=1)
    outs = []
    for d, seq in enumerate([dec_in, dec_in[:, ::-1]]):
        cell_in = np.concatenate([np.zeros_like(seq[:, :1]), seq[:, :-1]], axis=1)  # two steps late
        h = _np_gru(cell_in, rep[:, d * u:(d + 1) * u], model.decoders[d].rnns[0].cell)
        outs.append(np.tanh(_dense(h, model.projections[d])))  # processing order, not flipped back
    recon = np.tanh(_dense(np.concatenate(outs, axis=-1), model.output_dense))
    np.testing.assert_allclose(np.asarray(model(x)), recon, atol=1e-5)


def test_unidirectional_paper_decoder_sees_targets_two_steps_late(x):
    model = _model(num_layers=2)
    rep = model.encode(x)
    target = x[:, ::-1]
    dec_in = np.concatenate([np.zeros_like(target[:, :1]), target[:, :-1]], axis=1)
    base = np.asarray(model.decode(rep, dec_in))
    k = 3
    changed = target.copy()
    changed[:, k] += 0.5
    dec_changed = np.concatenate([np.zeros_like(changed[:, :1]), changed[:, :-1]], axis=1)
    out = np.asarray(model.decode(rep, dec_changed))
    np.testing.assert_allclose(out[:, :k + 2], base[:, :k + 2], atol=1e-6)
    assert np.abs(out[:, k + 2] - base[:, k + 2]).max() > 1e-4


def test_encoder_noise_zeroes_whole_time_steps():
    tf.random.set_seed(3)
    ones = tf.ones((64, 50, 6))
    noisy = np.asarray(layers.drop_time_steps(ones, 0.3))
    per_step = noisy.sum(axis=-1)
    assert set(np.unique(per_step)) <= {0.0, 6.0}
    assert 0.25 < (per_step == 0).mean() < 0.35
    model = _model(encoder_noise=1.0, keep_prob=1.0)
    x = np.random.default_rng(1).normal(size=(2, T, F)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(model.encode(x, training=True)),
                               np.asarray(model.encode(np.zeros_like(x))), atol=1e-6)
    assert np.abs(np.asarray(model.encode(x)) - np.asarray(model.encode(np.zeros_like(x)))).max() > 1e-3


def test_dropout_only_in_training(x):
    model = _model(keep_prob=0.5)
    np.testing.assert_array_equal(np.asarray(model(x)), np.asarray(model(x)))
    assert np.abs(np.asarray(model(x, training=True)) - np.asarray(model(x))).max() > 1e-4


@pytest.mark.parametrize("cell", ["GRU", "LSTM"])
def test_fused_path_equals_step_loop_with_the_same_weights(x, cell):
    model = _model(cell=cell, num_layers=2, bidirectional_decoder=True)
    rep = model.encode(x)
    states = model._split_states(rep)
    teacher = layers.shift_right(x)
    stack = model.decoders[1]
    fused, _ = stack(teacher, initial_states=states[1])
    fused = np.tanh(np.asarray(model.projections[1](fused)))
    looped = layers.feed_previous_loop(stack, model.projections[1], teacher, states[1], feed_prob=0.0)
    np.testing.assert_allclose(np.asarray(looped), fused, atol=1e-5)


def test_feed_previous_one_uses_own_outputs(x):
    model = _model(keep_prob=1.0, feed_previous_prob=1.0, bidirectional_decoder=True)
    rep = model.encode(x)
    teacher_a = layers.shift_right(x)
    teacher_b = layers.shift_right(np.random.default_rng(5).normal(size=x.shape).astype(np.float32))
    a = np.asarray(model.decode(rep, teacher_a, training=True))
    b = np.asarray(model.decode(rep, teacher_b, training=True))
    np.testing.assert_allclose(a, b, atol=1e-6)  # the teacher input is never read
    forced = np.asarray(model.decode(rep, teacher_a, training=True, feed_previous_prob=0.0))
    assert np.abs(a - forced).max() > 1e-4
    # by hand: one GRU layer fed its own projected output, starting from zeros
    u, cell, proj = 4, model.decoders[0].rnns[0].cell, model.projections[0]
    h, prev, outs = np.asarray(rep)[:, :u], np.zeros((3, F), np.float32), []
    for _ in range(T):
        h = _np_gru(prev[:, None, :], h, cell)[:, 0]
        prev = np.tanh(_dense(h, proj))
        outs.append(prev)
    fw = np.stack(outs, axis=1)
    looped = layers.feed_previous_loop(model.decoders[0], proj, teacher_a, model._split_states(rep)[0],
                                       feed_prob=1.0, training=True)
    np.testing.assert_allclose(np.asarray(looped), fw, atol=1e-5)


def test_save_reload_identical_representations(tmp_path, x):
    model = _model(cell="LSTM", bidirectional_encoder=True, bidirectional_decoder=True, num_layers=2,
                   encoder_noise=0.1, feed_previous_prob=0.3)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    assert type(again) is TimeAutoencoder
    assert again.architecture() == model.architecture()
    np.testing.assert_array_equal(np.asarray(again.encode(x)), np.asarray(model.encode(x)))
    clone = TimeAutoencoder.from_config(model.get_config())
    assert clone.architecture() == model.architecture()
