"""Masking of padded time steps: a clip's features, reconstruction and loss do not depend on its padding."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from conftest import make_dataset  # noqa: E402
from test_autoencoders import WINDOWS  # noqa: E402

from audeep.models.autoencoders import model_class  # noqa: E402
from audeep.models.layers import encoder_final_states  # noqa: E402
from audeep.training.inputs import make_input  # noqa: E402

F, SHORT, LONG = 8, 4, 11
T_RAE = {"num_units": 8, "num_layers": 2}
CASES = [
    ("t-rae", {**T_RAE}),
    ("t-rae", {**T_RAE, "bidirectional_encoder": True, "bidirectional_decoder": True}),
    ("t-rae", {**T_RAE, "bidirectional_encoder": True, "bidirectional_decoder": True, "cell": "LSTM",
               "decoder": "standard"}),
    ("f-rae", {"num_units": 8, **WINDOWS}),
    ("f-rae", {"num_units": 8, "bidirectional_encoder": True, "bidirectional_decoder": True, **WINDOWS}),
    ("ft-rae", {"num_f_units": 4, "num_t_units": 8, **WINDOWS}),
    ("ft-rae", {"num_f_units": 4, "num_t_units": 8, "cell": "LSTM", "bidirectional_t_encoder": True,
                "bidirectional_t_decoder": True, **WINDOWS}),
]
IDS = [f"{kind}-{i}" for i, (kind, _) in enumerate(CASES)]


def _model(kind, architecture):
    keras.utils.set_random_seed(7)
    model = model_class(kind)(num_features=F, keep_prob=1.0, **architecture)
    model(np.zeros((1, 3, F), np.float32))
    return model


@pytest.fixture(scope="module")
def clips():
    """A short clip alone [1, SHORT, F], and a batch [2, LONG, F] of it padded with -1 and a long clip."""
    rng = np.random.default_rng(0)
    short = rng.uniform(-1, 1, (1, SHORT, F)).astype(np.float32)
    batch = np.concatenate([np.pad(short, [(0, 0), (0, LONG - SHORT), (0, 0)], constant_values=-1.0),
                            rng.uniform(-1, 1, (1, LONG, F)).astype(np.float32)])
    return short, batch, np.array([SHORT, LONG], np.int32)


@pytest.mark.parametrize("kind,architecture", CASES, ids=IDS)
def test_features_reconstruction_and_loss_ignore_padding(kind, architecture, clips):
    short, batch, lengths = clips
    model = _model(kind, architecture)
    choice = "both" if "both" in model.feature_choices else "bottleneck"  # t-RAE: bottleneck and pooled
    alone = np.asarray(model.features(short, features=choice))[0]
    padded = np.asarray(model.features(batch, features=choice, lengths=lengths))
    if kind == "f-rae":  # per-frame features: padded frames give zeros
        np.testing.assert_array_equal(padded[0, SHORT:], 0.0)
        padded = padded[:, :SHORT]
    else:  # without lengths the padding is read (the test can fail)
        assert np.abs(np.asarray(model.features(batch, features=choice))[0] - alone).max() > 1e-3
    np.testing.assert_allclose(padded[0], alone, atol=1e-5)
    # the long clip has no padding: the same features in the batch, and lengths of the whole time axis
    # run the unmasked computation
    long = np.asarray(model.features(batch[1:], features=choice))
    np.testing.assert_array_equal(np.asarray(model.features(batch[1:], features=choice, lengths=[LONG])), long)
    np.testing.assert_allclose(padded[1], long[0, :padded.shape[1]], atol=1e-5)
    _check_reconstruction_and_loss(model, clips)


def _check_reconstruction_and_loss(model, clips):
    short, batch, lengths = clips
    alone = np.asarray(model(short))
    padded = np.asarray(model(batch, lengths=lengths))
    np.testing.assert_allclose(padded[0, :SHORT], alone[0], atol=1e-5)
    loss_alone = float(model.loss_fn(short, alone))
    assert float(model.loss_fn(batch[:1], padded[:1], lengths[:1])) == pytest.approx(loss_alone, rel=1e-5)
    # the loss of the batch: the mean over the valid steps of both clips
    err_short = np.sum((np.asarray(model.target(short)) - alone) ** 2)
    err_long = np.sum((np.asarray(model.target(batch[1:]))[0] - padded[1]) ** 2)
    expected = np.sqrt((err_short + err_long) / ((SHORT + LONG) * F))
    assert float(model.loss_fn(batch, padded, lengths)) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("kind,architecture", [CASES[1], CASES[5]], ids=[IDS[1], IDS[5]])
def test_gradients_ignore_padding(kind, architecture, clips):
    """A training step on the padded clip moves the weights as one on the clip alone."""
    short, batch, lengths = clips
    model = _model(kind, architecture)

    def gradients(x, lens):
        with tf.GradientTape() as tape:
            loss = model.loss_fn(x, model(x, training=True, lengths=lens), lens)
        return tape.gradient(loss, model.trainable_variables)

    for alone, padded in zip(gradients(short, None), gradients(batch[:1], lengths[:1])):
        np.testing.assert_allclose(np.asarray(padded), np.asarray(alone), atol=1e-5)


def test_backward_encoder_starts_at_the_last_valid_step(clips):
    short, batch, lengths = clips
    model = _model("t-rae", {**T_RAE, "cell": "LSTM", "bidirectional_encoder": True})
    fw, bw = model.encoders
    # reference: each direction over the clip alone, the backward one over the clip reversed
    finals = [fw(short)[1], bw(short[:, ::-1].copy())[1]]
    expected = np.concatenate([np.asarray(s) for layer in range(2) for d in range(2) for s in finals[d][layer]], -1)
    states = np.asarray(encoder_final_states(model.encoders, batch, lengths=lengths))
    np.testing.assert_allclose(states[0], expected[0], atol=1e-5)
    # the padding read first by an unmasked backward direction changes its states
    assert np.abs(np.asarray(encoder_final_states(model.encoders, batch))[0] - expected[0]).max() > 1e-3


@pytest.mark.parametrize("in_memory", [True, False])
def test_training_input_passes_lengths_of_padded_data(in_memory):
    base = make_dataset(num_files=48, num_chunks=1, shape=(12, 3))
    lengths = np.random.default_rng(3).integers(1, 13, 48)
    padded = base.with_features(base.load_features(), feature_dims=base.feature_dims, lengths=lengths)
    features = padded.load_features()
    data, steps = make_input([padded], batch_size=5, seed=1, in_memory=in_memory)
    seen, ranges = [], []
    for x, lens in data:  # one epoch
        x, lens = np.asarray(x), np.asarray(lens)
        assert x.shape[1] == lens.max()  # each batch is cut after its longest clip
        for row, n in zip(x, lens):  # and each clip keeps its own length
            match = [i for i in range(48) if np.array_equal(features[i, :x.shape[1]], row)]
            assert len(match) == 1 and lengths[match[0]] == n
            seen.append(match[0])
        ranges.append((lens.min(), lens.max()))
    assert sorted(seen) == list(range(48)) and steps == len(ranges) == 10
    if in_memory:  # batches by length: one pool of all 48 clips, sorted, so length ranges do not overlap
        ranges.sort()
        assert all(hi <= lo for (_, hi), (lo, _) in zip(ranges, ranges[1:]))
    # no padding at all: plain batches of the whole time axis, nothing is masked
    unpadded = base.with_features(features, feature_dims=base.feature_dims, lengths=[12] * 48)
    for ds in (base, unpadded):
        batch = next(iter(make_input([ds], batch_size=5, seed=1, in_memory=in_memory)[0]))
        assert isinstance(batch, tf.Tensor) and batch.shape == (5, 12, 3)


def test_generation_masks_padding(clips):
    """encode_dataset (the compiled generation path): a padded clip's features are those of the clip alone."""
    from audeep.training.features import encode_dataset

    short, batch, lengths = clips
    model = _model("t-rae", CASES[1][1])
    base = make_dataset(num_files=2, num_chunks=1, shape=(LONG, F))
    padded = base.with_features(batch, feature_dims=base.feature_dims, lengths=lengths)
    alone = make_dataset(num_files=1, num_chunks=1, shape=(SHORT, F))
    alone = alone.with_features(short, feature_dims=alone.feature_dims)
    values = encode_dataset(model, padded, features="both").load_features()
    np.testing.assert_allclose(values[0], encode_dataset(model, alone, features="both").load_features()[0], atol=1e-5)
    np.testing.assert_allclose(values[1], np.asarray(model.features(batch[1:], features="both"))[0], atol=1e-5)
