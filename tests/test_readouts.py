"""Read-outs (``--features SPEC``): statistics over time of every encoder layer and direction (issue 17).

Also: the evaluator standardises with the statistics of each training split only.
"""

import json

import numpy as np
import pytest

from conftest import make_dataset, one_error

from audeep.errors import ParameterError
from audeep.models.readouts import canonical_readouts, parse_readouts, readout_width

# ---------------------------------------------------------------- the specification (no TensorFlow)


@pytest.mark.parametrize(("spec", "canonical"), [
    ("bottleneck", "bottleneck"), ("pooled", "pooled"), ("both", "bottleneck+pooled"),
    ("layers:mean,std,max", "layers"), ("pooled:mean,std", "pooled"), ("Layers:max, mean + bottleneck",
                                                                        "layers:max,mean+bottleneck"),
    ("pooled:max+layers:std", "pooled:max+layers:std"),
])
def test_canonical_spelling(spec, canonical):
    assert canonical_readouts(spec) == canonical
    assert canonical_readouts(canonical) == canonical


def test_terms_and_width():
    spec = parse_readouts("layers:mean,max+bottleneck+pooled")
    assert [(t.name, t.stats) for t in spec.terms] == [("layers", ("mean", "max")), ("bottleneck", ()),
                                                       ("pooled", ("mean", "std"))]
    sizes = dict(num_layers=3, num_units=5, num_directions=2, representation_size=7)
    # layers: 2 stats x 3 layers x 5 units x 2 directions; pooled: 2 stats x top layer x 5 x 2
    assert spec.width(**sizes) == readout_width(str(spec), **sizes) == 60 + 7 + 20
    assert readout_width("layers", **dict(sizes, num_directions=1)) == 45
    assert readout_width("bottleneck", **sizes) == 7 and not parse_readouts("bottleneck").reads_sequences


@pytest.mark.parametrize(("spec", "names"), [
    ("layers:median", "'median'"), ("mean", "unknown term 'mean'"), ("bottleneck+", "an empty term"),
    ("pooled+pooled:max", "'pooled' is given twice"), ("both+bottleneck", "'bottleneck' is given twice"),
    ("bottleneck:mean", "takes no statistics"), ("layers:mean,mean", "repeated"), ("layers:", "empty statistic"),
])
def test_bad_specifications_name_the_term_and_the_valid_ones(spec, names):
    with pytest.raises(ParameterError, match="mean, std, max") as err:
        parse_readouts(spec)
    assert names in str(err.value) and "bottleneck, pooled, layers" in str(err.value)
    assert err.value.parameters == ("features",) and "\n" not in str(err.value)


def test_bad_specification_at_the_command_line(cli, tmp_path):
    res = cli("t-rae", "generate", "--model-dir", tmp_path / "run", "--input", tmp_path / "in.nc",
              "--output", tmp_path / "out.nc", "--features", "layers:median")
    assert res.status == 1
    one_error(res, "--features", "'median'", "mean, std, max", "bottleneck, pooled, layers")


# ---------------------------------------------------------------- the evaluator's standardisation


def test_the_scaler_is_fitted_on_the_training_split_only():
    """Feature 1 of the evaluation rows is shifted by 1e6.  Fitted on the training rows, the scaler
    leaves it huge, so every evaluation row's nearest training row is the one of largest feature 1
    (class b): accuracy 1/2.  Fitted on all rows, feature 1 would be squashed to ~0 and feature 0
    alone would classify every evaluation row correctly: accuracy 1."""
    from sklearn.neighbors import KNeighborsClassifier

    from audeep.dataset import DataSet
    from audeep.evaluation import evaluate

    f0 = np.array([-1.0, -1.1, -0.9, 1.0, 1.1, 0.9])  # class a < 0 < class b
    train = np.stack([f0, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]], axis=1)  # the largest feature 1: class b
    held_out = np.stack([f0, [1e6] * 6], axis=1)
    labels = ["a", "a", "a", "b", "b", "b"] * 2
    data = DataSet.create(features=np.concatenate([train, held_out]).astype(np.float32),
                          filenames=[f"f{i}.wav" for i in range(12)], labels_nominal=labels,
                          partitions=["train"] * 6 + ["devel"] * 6)
    knn = KNeighborsClassifier(n_neighbors=1)
    result = evaluate(data, learner=knn, train_partitions=["train"], eval_partitions=["devel"])
    assert [fold.accuracy for fold in result.folds] == [0.5]
    assert result.confusion_matrix.tolist() == [[0, 3], [0, 3]]


# ---------------------------------------------------------------- values from a t-RAE

UNITS = 4


@pytest.fixture(scope="module")
def model():
    """A 2-layer t-RAE with a bidirectional encoder of 4 units, on random weights (biases too)."""
    keras = pytest.importorskip("keras")

    from audeep.models.autoencoders import TimeAutoencoderModel

    keras.utils.set_random_seed(5)
    m = TimeAutoencoderModel(num_features=3, num_units=UNITS, num_layers=2, bidirectional_encoder=True)
    m(np.zeros((1, 5, 3), np.float32))
    rng = np.random.default_rng(5)
    for stack in m.encoders:
        for rnn in stack.rnns:
            rnn.set_weights([rng.normal(scale=0.7, size=w.shape).astype(np.float32) for w in rnn.get_weights()])
    return m


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def _gru(x, kernel, recurrent, bias):
    """Keras' GRU (reset_after, gates z, r, h) over x [time, in] in numpy: outputs [time, units]."""
    h, out = np.zeros(UNITS), []
    for x_t in x:
        xs = np.split(x_t @ kernel + bias[0], 3)
        hs = np.split(h @ recurrent + bias[1], 3)
        z, r = _sigmoid(xs[0] + hs[0]), _sigmoid(xs[1] + hs[1])
        h = z * h + (1 - z) * np.tanh(xs[2] + r * hs[2])
        out.append(h)
    return np.array(out)


def _layers_reference(model, clip, stats=("mean", "std", "max")):
    """The ``layers`` read-out of one clip [time, freq], layer by layer in numpy."""
    funcs = {"mean": np.mean, "std": np.std, "max": np.max}
    columns = []
    for d, stack in enumerate(model.encoders):
        seq = clip if d == 0 else clip[::-1]
        for rnn in stack.rnns:
            seq = _gru(seq, *[np.asarray(w, np.float64) for w in rnn.get_weights()])
            columns += [funcs[s](seq, axis=0) for s in stats]
    return np.concatenate(columns)


def test_layers_against_numpy_gru(model):
    x = np.random.default_rng(0).normal(size=(3, 5, 3)).astype(np.float32)
    got = np.asarray(model.features(x, features="layers"))
    assert got.shape == (3, 3 * 2 * UNITS * 2) == (3,) + model.generated_shape((5, 3), "layers")
    expected = np.stack([_layers_reference(model, clip) for clip in x])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    picked = np.asarray(model.features(x, features="bottleneck+layers:max,mean"))
    np.testing.assert_allclose(picked[:, :model.representation_size], np.asarray(model.encode(x)), atol=1e-6)
    np.testing.assert_allclose(picked[:, model.representation_size:],
                               np.stack([_layers_reference(model, c, ("max", "mean")) for c in x]), atol=1e-5)


def test_padding_is_left_out_of_every_statistic(model):
    rng = np.random.default_rng(1)
    lengths = np.array([3, 5, 2])
    padded = np.full((3, 5, 3), 4.0, np.float32)  # padding that would raise every max if it leaked
    clips = [rng.normal(size=(n, 3)).astype(np.float32) for n in lengths]
    for i, clip in enumerate(clips):
        padded[i, :len(clip)] = clip
    got = np.asarray(model.features(padded, features="layers+bottleneck", lengths=lengths))
    for i, clip in enumerate(clips):
        alone = np.asarray(model.features(clip[None], features="layers+bottleneck"))[0]
        np.testing.assert_allclose(got[i], alone, atol=1e-5)
        np.testing.assert_allclose(got[i, :3 * 2 * UNITS * 2], _layers_reference(model, clip), atol=1e-5)


def test_pooled_is_the_top_layer_of_layers_mean_std(model):
    x = np.random.default_rng(2).normal(size=(2, 5, 3)).astype(np.float32)
    pooled = np.asarray(model.features(x, features="pooled"))
    per_layer = np.asarray(model.features(x, features="layers:mean,std")).reshape(2, 2, 2, 2 * UNITS)
    np.testing.assert_allclose(pooled, per_layer[:, :, 1].reshape(2, -1), atol=1e-6)  # [direction, layer]
    np.testing.assert_allclose(pooled, np.asarray(model.pooled_encoder_outputs(x)), atol=1e-6)


def test_frequency_models_give_the_bottleneck_only():
    pytest.importorskip("tensorflow")
    from audeep.models.autoencoders import FrequencyAutoencoderModel

    model = FrequencyAutoencoderModel(num_features=8, num_units=3, freq_window_width=4, freq_window_overlap=2)
    with pytest.raises(ParameterError, match="'layers:max': a f-rae model gives bottleneck"):
        model.generated_shape((5, 8), "layers:max")


def test_generate_writes_the_documented_width(cli, tmp_path):
    pytest.importorskip("tensorflow")
    from audeep.dataset import DataSet
    from audeep.training.runs import load_autoencoder

    spectra = tmp_path / "spectra.nc"
    make_dataset(num_files=4, num_chunks=1, shape=(5, 4), seed=3).save(spectra)
    run = tmp_path / "run"
    res = cli("t-rae", "train", "--input", spectra, "--run-name", run, "--num-epochs", "1", "--num-units", "3",
              "--num-layers", "2", "--bidirectional-encoder", "--no-progress")
    assert res.status == 0, res
    output = tmp_path / "features.nc"
    res = cli("t-rae", "generate", "--model-dir", run, "--input", spectra, "--output", output,
              "--features", "bottleneck+layers")
    assert res.status == 0, res
    model = load_autoencoder(run)
    with DataSet.open(output) as written, DataSet.open(spectra) as inputs:
        # representation: 3 units x 2 layers (one decoder direction); layers: 3 stats x 2 layers x 3 units x 2
        assert written.feature_shape == (6 + 36,)
        np.testing.assert_allclose(written.load_features()[:, :6], np.asarray(model.encode(inputs.load_features())),
                                   atol=1e-5)
        assert json.loads(written.attrs["parameters"])["features"] == "bottleneck+layers"
