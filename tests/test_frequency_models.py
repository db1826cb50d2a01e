"""The f-RAE and ft-RAE: windows, shapes, numerics against NumPy, reversal, training, generation, CLI."""

import itertools
import logging

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from conftest import make_dataset  # noqa: E402
from test_models import _dense, _np_gru  # noqa: E402  (the t-RAE tests' NumPy GRU reference)

from audeep.dataset import DataSet  # noqa: E402
from audeep.errors import ModelError, ParameterError  # noqa: E402
from audeep.training import encode_dataset, generate_features, load_autoencoder  # noqa: E402
from audeep.models import layers  # noqa: E402
from audeep.models.autoencoders import (  # noqa: E402
    FrequencyAutoencoderModel as FrequencyAutoencoder,
    FrequencyTimeAutoencoderModel as FrequencyTimeAutoencoder,
)
from audeep.models.base import MODEL_KINDS  # noqa: E402
from audeep.training import read_history, train_autoencoder  # noqa: E402

T, F = 4, 12
WINDOWS = {"freq_window_width": 5, "freq_window_overlap": 2}  # windows at 0, 3, 6; bins 11 left over


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(0).uniform(-1, 1, size=(2, T, F)).astype(np.float32)


def _frae(**kwargs):
    keras.utils.set_random_seed(1)
    kwargs = dict(WINDOWS, num_features=F, num_units=3, **kwargs)
    model = FrequencyAutoencoder(**kwargs)
    model.build((None, T, F))
    return model


def _ftrae(**kwargs):
    keras.utils.set_random_seed(1)
    kwargs = dict(WINDOWS, num_features=F, **{"num_f_units": 3, "num_t_units": 4, "num_t_layers": 1, **kwargs})
    model = FrequencyTimeAutoencoder(**kwargs)
    model.build((None, T, F))
    return model


def _np_windows(frames, start=0, width=5, step=3, count=3):
    return np.stack([frames[..., start + i * step:start + i * step + width] for i in range(count)], axis=-2)


def _shift(seq):
    """Shift [batch, steps, k] one step later along axis 1, zeros first."""
    return np.concatenate([np.zeros_like(seq[:, :1]), seq[:, :-1]], axis=1)


# ------------------------------------------------------------------------------ windows

@pytest.mark.parametrize("bins,width,overlap,starts,leftover", [
    (128, 32, 24, list(range(0, 97, 8)), 0),  # the default: 13 windows
    (12, 5, 2, [0, 3, 6], 1),
    (10, 4, 0, [0, 4], 2),
    (7, 7, 3, [0], 0),
    (9, 2, 1, list(range(8)), 0),
])
def test_window_arithmetic(bins, width, overlap, starts, leftover):
    index, left = layers.window_indices(num_bins=bins, width=width, overlap=overlap)
    assert left == leftover
    np.testing.assert_array_equal(index, np.array(starts)[:, None] + np.arange(width))
    frames = np.arange(3 * bins, dtype=np.float32).reshape(3, bins)
    np.testing.assert_array_equal(np.asarray(layers.take_windows(frames, index)), frames[:, index])


@pytest.mark.parametrize("width,overlap,match", [
    (13, 2, r"freq_window_width 13: wider than the 12 frequency bins"),
    (5, 5, r"freq_window_overlap 5: expected an integer in \[0, 5\)"),
    (5, 7, r"freq_window_overlap 7"),
    (5, -1, r"freq_window_overlap -1"),
    (0, 0, r"freq_window_width 0: expected a positive integer"),
])
@pytest.mark.parametrize("cls", [FrequencyAutoencoder, FrequencyTimeAutoencoder])
def test_bad_windows_are_rejected(cls, width, overlap, match):
    with pytest.raises(ParameterError, match=match):
        cls(num_features=F, freq_window_width=width, freq_window_overlap=overlap)


@pytest.mark.parametrize("cls", [FrequencyAutoencoder, FrequencyTimeAutoencoder])
def test_leftover_bins_are_dropped_with_a_warning(caplog, cls):
    with caplog.at_level(logging.WARNING, logger="audeep.models.autoencoders"):
        model = cls(num_features=F, **WINDOWS)
    assert model.num_windows == 3 and model.leftover_bins == 1
    assert "the last 1 of 12 frequency bins fill no window" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="audeep.models.autoencoders"):
        cls(num_features=11, **WINDOWS)
    assert "fill no window" not in caplog.text


def test_decoder_windows_cover_the_encoder_windows_reversed(x):
    model = _frae()
    frames = x.reshape(-1, F)
    enc = np.asarray(model.frame_windows(frames))
    np.testing.assert_array_equal(enc, _np_windows(frames))
    dec = np.asarray(model.target_windows(frames[:, ::-1]))
    np.testing.assert_array_equal(dec, enc[:, ::-1, ::-1])  # the same bins, reversed


# ------------------------------------------------------------------------------ f-RAE

@pytest.mark.parametrize("cell,bi_enc,bi_dec", list(itertools.product(["GRU", "lstm"], [False, True],
                                                                      [False, True])))
def test_frae_shapes_for_every_combination(x, cell, bi_enc, bi_dec):
    model = _frae(cell=cell, bidirectional_encoder=bi_enc, bidirectional_decoder=bi_dec, num_layers=2,
                  feed_previous_prob=0.5)
    expected = 3 * 2 * (2 if cell.upper() == "LSTM" else 1) * (2 if bi_dec else 1)
    assert model.representation_size == expected
    assert tuple(model.encode(x).shape) == (2, T, expected)
    assert tuple(model(x).shape) == (2, T, F)
    assert tuple(model(x, training=True).shape) == (2, T, F)  # the feed-previous loop
    assert model.generated_shape((T, F)) == (T, expected) and model.feature_dims() == ("time", "generated")


def test_frae_against_numpy_reference(x):
    """Unidirectional encoder, bidirectional decoder (the combination that crashed the original)."""
    model = _frae(bidirectional_decoder=True)
    u = 3
    frames = x.reshape(-1, F)
    enc = _np_gru(_np_windows(frames), np.zeros((len(frames), u)), model.encoders[0].rnns[0].cell)
    rep = np.tanh(_dense(enc[:, -1], model.representation_dense))
    assert rep.shape == (T * 2, 2 * u)
    np.testing.assert_allclose(np.asarray(model.encode(x)), rep.reshape(2, T, -1), atol=1e-5)
    target = frames[:, ::-1]
    dec_in = _shift(_np_windows(target, start=1))  # the reversed frame's windows over the same bins
    outs = []
    for d, seq in enumerate([dec_in, dec_in[:, ::-1]]):
        h = _np_gru(_shift(seq), rep[:, d * u:(d + 1) * u], model.decoders[d].rnns[0].cell)
        outs.append(np.tanh(_dense(h, model.projections[d])))  # processing order
    flat = np.concatenate(outs, axis=-1).reshape(len(frames), -1)
    recon = np.tanh(_dense(flat, model.output_dense)).reshape(2, T, F)
    np.testing.assert_allclose(np.asarray(model(x)), recon, atol=1e-5)


def test_frae_target_is_frequency_reversed(x):
    model = _frae()
    np.testing.assert_array_equal(np.asarray(model.target(x)), x[:, :, ::-1])
    recon = np.asarray(model(x))
    expected = np.sqrt(np.mean((x[:, :, ::-1] - recon) ** 2))
    assert float(model.loss_fn(x, recon)) == pytest.approx(expected, rel=1e-5)
    # variable length: the padded frames are the input's last ones (time order is kept)
    lengths = np.array([4, 1])
    mask = (np.arange(T)[None, :] < lengths[:, None])[:, :, None]
    err = (x[:, :, ::-1] - recon) ** 2 * mask
    assert float(model.loss_fn(x, recon, lengths)) == pytest.approx(np.sqrt(err.sum() / (mask.sum() * F)), rel=1e-5)
    # frames are independent examples
    changed = x.copy()
    changed[:, 2] += 0.3
    out = np.asarray(model(changed))
    np.testing.assert_allclose(np.delete(out, 2, axis=1), np.delete(recon, 2, axis=1), atol=1e-6)


def test_frae_encoder_noise_and_feed_previous(x):
    model = _frae(encoder_noise=1.0, keep_prob=1.0)
    np.testing.assert_allclose(np.asarray(model.encode(x, training=True)),
                               np.asarray(model.encode(np.zeros_like(x))), atol=1e-6)
    assert np.abs(np.asarray(model.encode(x)) - np.asarray(model.encode(np.zeros_like(x)))).max() > 1e-3
    model = _frae(feed_previous_prob=1.0, keep_prob=1.0, bidirectional_decoder=True)
    frames = x.reshape(-1, F)
    rep = model.encode_frames(frames)
    a = np.asarray(model.decode_frames(rep, frames[:, ::-1], training=True))
    b = np.asarray(model.decode_frames(rep, frames[::-1], training=True))
    np.testing.assert_allclose(a, b, atol=1e-6)  # the teacher windows are never read
    forced = np.asarray(model.decode_frames(rep, frames[:, ::-1], training=True, feed_previous_prob=0.0))
    assert np.abs(a - forced).max() > 1e-4


# ------------------------------------------------------------------------------ ft-RAE

@pytest.mark.parametrize("bi", list(itertools.product([False, True], repeat=4)))
def test_ftrae_shapes_for_every_combination(x, bi):
    bi_fe, bi_fd, bi_te, bi_td = bi
    cell = "LSTM" if sum(bi) % 2 else "GRU"
    model = _ftrae(cell=cell, bidirectional_f_encoder=bi_fe, bidirectional_f_decoder=bi_fd,
                   bidirectional_t_encoder=bi_te, bidirectional_t_decoder=bi_td, num_t_layers=2,
                   f_feed_previous_prob=0.5 if bi_fd else 0.0, t_feed_previous_prob=0.5 if bi_te else 0.0)
    per_layer = 2 if cell == "LSTM" else 1
    assert model.representation_size == 4 * 2 * per_layer * (2 if bi_td else 1)
    assert model.frequency_state_size == 3 * per_layer * (2 if bi_fe else 1)
    assert tuple(model.frequency_states(x).shape) == (2, T, model.frequency_state_size)
    assert tuple(model.encode(x).shape) == (2, model.representation_size)
    assert tuple(model(x).shape) == (2, T, F)
    assert tuple(model(x, training=True).shape) == (2, T, F)
    assert model.generated_shape((T, F)) == (model.representation_size,)


def test_ftrae_against_numpy_reference(x):
    """1-layer GRUs: unidirectional frequency/time encoders, bidirectional time decoder."""
    model = _ftrae(bidirectional_t_decoder=True)
    uf, ut = 3, 4
    frames = x.reshape(-1, F)
    f_states = _np_gru(_np_windows(frames), np.zeros((len(frames), uf)), model.f_encoders[0].rnns[0].cell)[:, -1]
    f_states = f_states.reshape(2, T, uf)
    t_final = _np_gru(f_states, np.zeros((2, ut)), model.t_encoders[0].rnns[0].cell)[:, -1]
    rep = np.tanh(_dense(t_final, model.representation_dense))
    np.testing.assert_allclose(np.asarray(model.encode(x)), rep, atol=1e-5)
    t_in = _shift(f_states[:, ::-1])  # reversed in time, shifted
    outs = []
    for d, seq in enumerate([t_in, t_in[:, ::-1]]):
        h = _np_gru(_shift(seq), rep[:, d * ut:(d + 1) * ut], model.t_decoders[d].rnns[0].cell)
        outs.append(np.tanh(_dense(h, model.t_projections[d])))
    f_init = np.tanh(_dense(np.concatenate(outs, axis=-1), model.f_state_dense)).reshape(-1, uf)
    target = x[:, ::-1, ::-1].reshape(-1, F)
    f_in = _shift(_np_windows(target, start=1))
    h = _np_gru(_shift(f_in), f_init, model.f_decoders[0].rnns[0].cell)
    out = np.tanh(_dense(h, model.f_projections[0])).reshape(len(frames), -1)
    recon = np.tanh(_dense(out, model.output_dense)).reshape(2, T, F)
    np.testing.assert_allclose(np.asarray(model(x)), recon, atol=1e-5)


def test_ftrae_target_is_time_and_frequency_reversed(x):
    model = _ftrae()
    np.testing.assert_array_equal(np.asarray(model.target(x)), x[:, ::-1, ::-1])
    recon = np.asarray(model(x))
    assert float(model.loss_fn(x, recon)) == pytest.approx(np.sqrt(np.mean((x[:, ::-1, ::-1] - recon) ** 2)),
                                                           rel=1e-5)
    # the time decoder sees the frequency states of the reversed frame s two steps late
    rep, states = model.encode(x), np.asarray(model.frequency_states(x))
    target = model.target(x)
    base = np.asarray(model.decode(rep, states, target))
    changed = states.copy()
    changed[:, T - 1 - 2] += 0.5  # reversed position 2 would be read at step 4 = T: never
    np.testing.assert_allclose(np.asarray(model.decode(rep, changed, target)), base, atol=1e-6)
    changed = states.copy()
    changed[:, T - 1 - 1] += 0.5  # reversed position 1 is read at step 3 (two steps late)
    out = np.asarray(model.decode(rep, changed, target))
    np.testing.assert_allclose(out[:, :3], base[:, :3], atol=1e-6)
    assert np.abs(out[:, 3] - base[:, 3]).max() > 1e-4
    # the frequency decoder's teacher is the target frame itself
    other = np.asarray(target).copy()
    other[:, 2] = 0.0
    out = np.asarray(model.decode(rep, states, other))
    np.testing.assert_allclose(np.delete(out, 2, axis=1), np.delete(base, 2, axis=1), atol=1e-6)
    assert np.abs(out[:, 2] - base[:, 2]).max() > 1e-4


def test_ftrae_noise_and_feed_previous(x):
    model = _ftrae(f_encoder_noise=1.0, keep_prob=1.0)
    np.testing.assert_allclose(np.asarray(model.frequency_states(x, training=True)),
                               np.asarray(model.frequency_states(np.zeros_like(x))), atol=1e-6)
    model = _ftrae(t_encoder_noise=1.0, keep_prob=1.0)
    zero_steps = np.asarray(model._encode_states(np.zeros((2, T, model.frequency_state_size), np.float32)))
    np.testing.assert_allclose(np.asarray(model.encode(x, training=True)), zero_steps, atol=1e-6)
    model = _ftrae(f_feed_previous_prob=1.0, t_feed_previous_prob=1.0, keep_prob=1.0, bidirectional_t_decoder=True)
    rep, states, target = model.encode(x), model.frequency_states(x), model.target(x)
    a = np.asarray(model.decode(rep, states, target, training=True))
    b = np.asarray(model.decode(rep, np.zeros_like(states), np.zeros_like(target), training=True))
    np.testing.assert_allclose(a, b, atol=1e-6)  # neither teacher is read
    forced = np.asarray(model.decode(rep, states, target, training=True, t_feed_previous_prob=0.0))
    assert np.abs(a - forced).max() > 1e-4


# ------------------------------------------------------------------------------ both

@pytest.mark.parametrize("make,kwargs", [
    (_frae, {"cell": "LSTM", "bidirectional_encoder": True, "bidirectional_decoder": True, "num_layers": 2,
             "encoder_noise": 0.1, "feed_previous_prob": 0.3}),
    (_ftrae, {"cell": "LSTM", "bidirectional_f_encoder": True, "bidirectional_t_decoder": True,
              "num_t_layers": 2, "t_encoder_noise": 0.2, "f_feed_previous_prob": 0.3}),
])
def test_save_reload_identical_representations(tmp_path, x, make, kwargs):
    model = make(**kwargs)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    assert type(again) is type(model) and MODEL_KINDS[again.kind] is type(model)
    assert again.architecture() == model.architecture()
    assert {k: v for k, v in again.get_config().items() if k in model.architecture()} == model.architecture()
    np.testing.assert_array_equal(np.asarray(again.encode(x)), np.asarray(model.encode(x)))
    np.testing.assert_array_equal(np.asarray(again(x)), np.asarray(model(x)))
    clone = type(model).from_config(model.get_config())
    assert clone.architecture() == model.architecture()


@pytest.mark.parametrize("cls", [FrequencyAutoencoder, FrequencyTimeAutoencoder])
def test_bad_shapes_and_parameters(cls):
    model = cls(num_features=F, **WINDOWS)
    with pytest.raises(ParameterError, match=rf"this {cls.kind} model expects \(time, 12\)"):
        model.check_input_shape((T, 13))
    with pytest.raises(ParameterError, match="cell 'RNN'"):
        cls(num_features=F, cell="RNN", **WINDOWS)
    with pytest.raises(ParameterError, match="keep_prob 0"):
        cls(num_features=F, keep_prob=0.0, **WINDOWS)


# ------------------------------------------------------------------------------ training and generation

@pytest.fixture(scope="module")
def smooth(tmp_path_factory):
    """Learnable spectrograms: 24 instances [6, 16] of smooth ripples in [-1, 1]."""
    rng = np.random.default_rng(4)
    t, f = np.arange(6)[:, None], np.arange(16)[None, :]
    feats = np.stack([0.8 * np.sin(0.4 * f * rng.uniform(0.5, 1.5) + 0.3 * t * rng.uniform(-1, 1) + rng.uniform(0, 6))
                      for _ in range(24)]).astype(np.float32)
    base = make_dataset(num_files=24, num_chunks=1, shape=(6, 16), seed=5)
    path = tmp_path_factory.mktemp("smooth") / "smooth.nc"
    base.with_features(feats, feature_dims=("time", "freq")).save(path)
    return path


@pytest.mark.parametrize("kind,arch,generated", [
    ("f-rae", {"num_units": 8, "bidirectional_decoder": True, "freq_window_width": 6,
               "freq_window_overlap": 2, "keep_prob": 1.0}, (6, 16)),
    ("ft-rae", {"num_f_units": 6, "num_t_units": 8, "num_t_layers": 1, "bidirectional_t_encoder": True,
                "freq_window_width": 6, "freq_window_overlap": 2, "keep_prob": 1.0}, (8,)),
])
def test_train_and_generate(tmp_path, smooth, kind, arch, generated):
    run = tmp_path / "run"
    result = train_autoencoder(kind=kind, inputs=[smooth], run_dir=run, architecture=arch, num_epochs=6,
                               batch_size=8, learning_rate=0.01, seed=2, progress=False)
    losses = [r["loss"] for r in read_history(run)]
    assert len(losses) == 6 and losses[-1] < 0.8 * losses[0], losses
    assert result.model.kind == kind and (run / "loss.png").is_file()
    out = tmp_path / "features.nc"
    generate_features(run_dir=run, input=smooth, outputs=[out], epochs=[6], batch_size=5, kind=kind)
    source = DataSet.open(smooth)
    with DataSet.open(out) as ds:
        assert ds.feature_shape == generated
        assert ds.feature_dims == (("time", "generated") if kind == "f-rae" else ("generated",))
        np.testing.assert_array_equal(ds.filenames, source.filenames)
        np.testing.assert_array_equal(ds.labels_nominal, source.labels_nominal)
        expected = np.asarray(load_autoencoder(run, kind=kind).encode(source.load_features()))
        np.testing.assert_allclose(ds.load_features(), expected, atol=1e-5)
    other = "t-rae" if kind == "f-rae" else "f-rae"
    with pytest.raises(ModelError, match=f"holds a {kind} model, not {other}"):
        generate_features(run_dir=run, input=smooth, outputs=[tmp_path / "x.nc"], kind=other)
    assert not (tmp_path / "x.nc").exists()


def test_estimators(smooth):
    import inspect

    import audeep

    FRae, FtRae = audeep.FrequencyAutoencoder, audeep.FrequencyTimeAutoencoder
    for cls in (FRae, FtRae):
        assert all(p.kind is p.KEYWORD_ONLY for p in inspect.signature(cls).parameters.values())
    out = FRae(num_units=2, num_epochs=1, batch_size=12, freq_window_width=8, freq_window_overlap=0,
               cell="lstm").fit(smooth).transform(smooth)
    assert out.feature_shape == (6, 4) and out.feature_dims == ("time", "generated")
    est = FtRae(num_f_units=2, num_t_units=3, num_t_layers=1, num_epochs=1, batch_size=12, freq_window_width=8,
                freq_window_overlap=0)
    assert est.get_params()["num_t_units"] == 3
    out = est.fit(smooth).transform(smooth)
    assert out.feature_shape == (3,) and out.num_instances == 24
    assert est.model_.kind == "ft-rae" and est.model_.num_windows == 2  # bins 0-7, 8-15


# ------------------------------------------------------------------------------ command line

CLI_FRAE = ["--num-units", "2", "--freq-window-width", "6", "--freq-window-overlap", "2", "--no-progress",
            "--batch-size", "8"]
CLI_FTRAE = ["--num-f-units", "2", "--num-t-units", "3", "--num-t-layers", "1", "--freq-window-width", "6",
             "--freq-window-overlap", "3", "--no-progress", "--batch-size", "8"]


def test_frae_cli_train_generate_fuse_export(cli, tmp_path, smooth):
    run = tmp_path / "frae"
    res = cli("f-rae", "train", "--input", smooth, "--run-name", run, "--num-epochs", "2",
              "--bidirectional-decoder", "--cell", "lstm", *CLI_FRAE)
    assert res.status == 0, res
    outs = [tmp_path / "f1.nc", tmp_path / "f2.nc"]
    res = cli("f-rae", "generate", "--model-dir", run, "--input", smooth, "--output", *outs, "--steps", "1", "2")
    assert res.status == 0, res
    with DataSet.open(outs[0]) as ds:
        assert ds.feature_dims == ("time", "generated") and ds.feature_shape == (6, 8)
    res = cli("fuse", "--input", *outs, "--output", tmp_path / "fused.nc")
    assert res.status == 0, res
    with DataSet.open(tmp_path / "fused.nc") as ds:
        assert ds.feature_shape == (6, 16)
    res = cli("export", "--input", tmp_path / "fused.nc", "--format", "csv", "--output", tmp_path / "csv")
    assert res.status == 0, res
    import pandas as pd

    tables = sorted((tmp_path / "csv").rglob("*.csv"))
    assert tables
    table = pd.read_csv(tables[0])
    assert [c for c in table.columns if c.startswith("feature_")][-1] == f"feature_{6 * 16 - 1}"

    # a model directory of another kind, window errors, shapes
    res = cli("t-rae", "generate", "--model-dir", run, "--input", smooth, "--output", tmp_path / "a.nc")
    assert res.status == 1 and "holds a f-rae model" in res.stderr
    res = cli("ft-rae", "generate", "--model-dir", run, "--input", smooth, "--output", tmp_path / "a.nc")
    assert res.status == 1 and "holds a f-rae model" in res.stderr
    wrong = tmp_path / "wrong.nc"
    make_dataset(num_files=3, num_chunks=1, shape=(6, 10)).save(wrong)
    res = cli("f-rae", "generate", "--model-dir", run, "--input", wrong, "--output", tmp_path / "a.nc")
    assert res.status == 1 and "do not fit the model" in res.stderr
    assert not (tmp_path / "a.nc").exists()


@pytest.mark.parametrize("command,options", [("f-rae", CLI_FRAE), ("ft-rae", CLI_FTRAE)])
def test_cli_bad_input(cli, tmp_path, smooth, command, options):
    res = cli(command, "train", "--input", smooth, "--run-name", tmp_path / "r", *options,
              "--freq-window-width", "17")
    assert res.status == 1 and "freq_window_width 17: wider than the 16 frequency bins" in res.stderr, res
    res = cli(command, "train", "--input", smooth, "--run-name", tmp_path / "r", *options,
              "--freq-window-overlap", "6")
    assert res.status == 1 and "freq_window_overlap 6" in res.stderr, res
    other = tmp_path / "other.nc"
    make_dataset(num_files=3, num_chunks=1, shape=(6, 12)).save(other)
    res = cli(command, "train", "--input", smooth, other, "--run-name", tmp_path / "r", *options)
    assert res.status == 1 and "same feature shape" in res.stderr
    res = cli(command, "train", "--input", smooth, "--run-name", tmp_path / "r", *options, "--keep-prob", "0")
    assert res.status == 2
    assert not (tmp_path / "r").exists()


def test_ftrae_cli_train_generate_export(cli, tmp_path, smooth):
    run = tmp_path / "ftrae"
    res = cli("ft-rae", "train", "--input", smooth, "--run-name", run, "--num-epochs", "1",
              "--bidirectional-f-decoder", "--bidirectional-t-decoder", "--t-feed-previous-prob", "0.5",
              "-f", "csv", *CLI_FTRAE)
    assert res.status == 0, res
    assert len(res.stdout.split()) == 2  # header, one epoch
    out = tmp_path / "ft.nc"
    res = cli("ft-rae", "generate", "--model-dir", run, "--input", smooth, "--output", out)
    assert res.status == 0, res
    with DataSet.open(out) as ds:
        assert ds.feature_dims == ("generated",) and ds.feature_shape == (6,)
    res = cli("export", "--input", out, "--format", "arff", "--output", tmp_path / "arff")
    assert res.status == 0, res
    assert sorted((tmp_path / "arff").rglob("*.arff"))
    res = cli("f-rae", "generate", "--model-dir", run, "--input", smooth, "--output", tmp_path / "a.nc")
    assert res.status == 1 and "holds a ft-rae model, not f-rae" in res.stderr


def test_frae_features_keep_the_valid_lengths(tmp_path, smooth):
    """f-RAE features keep the time axis, so a variable-length input's ``length`` variable is carried over."""
    source = DataSet.open(smooth)
    lengths = np.random.default_rng(0).integers(2, 7, source.num_instances)
    variable = tmp_path / "variable.nc"
    source.with_features(source.load_features(), feature_dims=("time", "freq"), lengths=lengths).save(variable)
    run = tmp_path / "run"
    train_autoencoder(kind="f-rae", inputs=[variable], run_dir=run, num_epochs=1, batch_size=8, seed=1,
                      progress=False, architecture={"num_units": 4, "freq_window_width": 8,
                                                    "freq_window_overlap": 0})
    out = tmp_path / "features.nc"
    generate_features(run_dir=run, input=variable, outputs=[out], kind="f-rae")
    with DataSet.open(out) as ds, DataSet.open(variable) as src:
        np.testing.assert_array_equal(ds.lengths, lengths)
        assert ds.validate() == []
        in_memory = encode_dataset(load_autoencoder(run, kind="f-rae"), src)
        np.testing.assert_array_equal(in_memory.lengths, lengths)


def test_leftover_warning_is_given_at_training_not_at_every_load(tmp_path, smooth, caplog):
    run = tmp_path / "run"
    arch = {"num_units": 4, "freq_window_width": 5, "freq_window_overlap": 0}  # 16 bins: 3 windows, 1 left over
    with caplog.at_level(logging.WARNING, logger="audeep.models.autoencoders"):
        train_autoencoder(kind="f-rae", inputs=[smooth], run_dir=run, num_epochs=2, batch_size=8, seed=1,
                          progress=False, architecture=arch)
    assert caplog.text.count("fill no window") == 1
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="audeep.models.autoencoders"):
        generate_features(run_dir=run, input=smooth, outputs=[tmp_path / "a.nc", tmp_path / "b.nc"],
                          epochs=[1, 2], kind="f-rae")
    assert "fill no window" not in caplog.text
