"""Pooled encoder outputs as features (``t-rae generate --features pooled|both``)."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from conftest import make_dataset  # noqa: E402

from audeep.dataset import DataSet  # noqa: E402
from audeep.errors import ParameterError  # noqa: E402
from audeep.models.autoencoders import FrequencyAutoencoderModel as FrequencyAutoencoder  # noqa: E402
from audeep.models.autoencoders import TimeAutoencoderModel as TimeAutoencoder  # noqa: E402


def _model(**kwargs):
    import keras

    keras.utils.set_random_seed(3)
    model = TimeAutoencoder(num_features=4, num_units=5, **kwargs)
    model(np.zeros((1, 6, 4), np.float32))
    return model


@pytest.mark.parametrize("bidirectional", [False, True])
def test_pooled_is_mean_and_std_of_the_top_layer_outputs(bidirectional):
    model = _model(num_layers=2, bidirectional_encoder=bidirectional)
    x = np.random.default_rng(0).normal(size=(3, 6, 4)).astype(np.float32)
    expected = []
    for d, stack in enumerate(model.encoders):
        seq = np.asarray(stack(x if d == 0 else x[:, ::-1], training=False)[0])
        expected += [seq.mean(axis=1), seq.std(axis=1)]
    expected = np.concatenate(expected, axis=1)
    pooled = np.asarray(model.features(x, features="pooled"))
    assert pooled.shape == (3, model.pooled_size()) == (3, 10 * (2 if bidirectional else 1))
    np.testing.assert_allclose(pooled, expected, atol=1e-5)
    both = np.asarray(model.features(x, features="both"))
    np.testing.assert_allclose(both[:, :model.representation_size], np.asarray(model.encode(x)), atol=1e-6)
    np.testing.assert_allclose(both[:, model.representation_size:], expected, atol=1e-5)


def test_padded_steps_are_left_out():
    model = _model()
    x = np.random.default_rng(1).normal(size=(2, 6, 4)).astype(np.float32)
    padded = x.copy()
    padded[:, 4:] = -1.0  # padding after 4 valid steps
    with_lengths = np.asarray(model.features(padded, features="pooled", lengths=np.array([4, 4])))
    truncated = np.asarray(model.features(x[:, :4], features="pooled"))
    np.testing.assert_allclose(with_lengths, truncated, atol=1e-5)
    assert not np.allclose(np.asarray(model.features(padded, features="pooled")), truncated, atol=1e-3)


def test_other_kinds_refuse_pooled_features():
    model = FrequencyAutoencoder(num_features=8, num_units=3, freq_window_width=4, freq_window_overlap=2)
    with pytest.raises(ParameterError, match="gives bottleneck"):
        model.generated_shape((5, 8), "pooled")


def test_generate_command_writes_pooled_features(cli, tmp_path):
    spectra = tmp_path / "spectra.nc"
    make_dataset(num_files=6, num_chunks=1, shape=(5, 4), seed=2).save(spectra)
    run = tmp_path / "run"
    res = cli("t-rae", "train", "--input", spectra, "--run-name", run, "--num-epochs", "1", "--num-units", "3",
              "--no-progress")
    assert res.status == 0, res
    outputs = {mode: tmp_path / f"{mode}.nc" for mode in ("bottleneck", "pooled", "both")}
    for mode, path in outputs.items():
        res = cli("t-rae", "generate", "--model-dir", run, "--input", spectra, "--output", path, "--features", mode)
        assert res.status == 0, res
    with DataSet.open(outputs["bottleneck"]) as b, DataSet.open(outputs["pooled"]) as p, \
            DataSet.open(outputs["both"]) as both:
        assert b.feature_shape == (3,) and p.feature_shape == (6,) and both.feature_shape == (9,)
        np.testing.assert_allclose(both.load_features(), np.concatenate([b.load_features(), p.load_features()], 1),
                                   atol=1e-5)
        assert list(p.filenames) == list(b.filenames) and p.label_map == b.label_map
    res = cli("t-rae", "generate", "--model-dir", run, "--input", spectra, "--output", tmp_path / "x.nc",
              "--features", "mean")
    assert res.status == 1 and not (tmp_path / "x.nc").exists()  # a bad read-out: one line (test_readouts.py)
