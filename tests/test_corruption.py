"""Training-time input corruption and mixing: the options, the ops against numpy, and training with them."""

import json

import numpy as np
import pytest

from audeep.errors import ParameterError
from audeep.models.corruption import CorruptionConfig, check_corruption_shape, corruption_config

tf = pytest.importorskip("tensorflow")

from conftest import make_dataset, one_error  # noqa: E402

from audeep.models.augment import span_mask, training_pair  # noqa: E402
from audeep.training import read_history, train_autoencoder  # noqa: E402

ARCH = {"num_units": 4, "num_layers": 1, "bidirectional_decoder": True}
KEY = tf.constant([7, 3], tf.int64)


def _batch(batch=16, time=20, freq=6, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (batch, time, freq)).astype(np.float32)


def _pair(x, lengths=None, key=KEY, **options):
    clip, source = training_pair(tf.constant(x), None if lengths is None else tf.constant(lengths),
                                 CorruptionConfig(**options), key=key)
    return clip.numpy(), source.numpy()


# ---------------------------------------------------------------- options
@pytest.mark.parametrize("options, parameter", [
    ({"time_masks": -1}, "time_masks"),
    ({"mask_frames": 1.5}, "mask_frames"),
    ({"mix_prob": -0.1}, "mix_prob"),
    ({"input_noise": float("nan")}, "input_noise"),
    ({"mask_span": 0}, "mask_span"),
    ({"freq_masks": 2}, "freq_mask_width"),  # masks need a width
])
def test_bad_options_name_their_parameter(options, parameter):
    with pytest.raises(ParameterError, match=parameter):
        CorruptionConfig(**options)


def test_options_are_checked_against_the_input_shape():
    check_corruption_shape(CorruptionConfig(time_masks=1, time_mask_width=20, freq_masks=1, freq_mask_width=6),
                           (20, 6))
    for options, name in (({"time_masks": 1, "time_mask_width": 21}, "time_mask_width"),
                          ({"freq_masks": 1, "freq_mask_width": 7}, "freq_mask_width"),
                          ({"time_shift": 20}, "time_shift"),
                          ({"mask_frames": 0.2, "mask_span": 21}, "mask_span")):
        with pytest.raises(ParameterError, match=f"{name} .*expected at most"):
            check_corruption_shape(CorruptionConfig(**options), (20, 6))
    with pytest.raises(ParameterError, match="unknown corruption options"):
        corruption_config({"time_warp": 3})
    assert not corruption_config(None).active and corruption_config({"mix_prob": 0.5}).active


def test_cli_refuses_a_mask_wider_than_the_input_before_writing(cli, tmp_path):
    data = tmp_path / "spectra.nc"
    make_dataset(num_files=4, num_chunks=1, shape=(6, 4)).save(data)
    result = cli("t-rae", "train", "--input", data, "--run-name", tmp_path / "run", "--num-units", "4",
                 "--time-masks", "1", "--time-mask-width", "7")
    one_error(result, "--time-mask-width 7", "6 time steps")
    assert not (tmp_path / "run").exists()
    result = cli("t-rae", "train", "--input", data, "--run-name", tmp_path / "run", "--freq-masks", "1")
    one_error(result, "--freq-mask-width")


@pytest.mark.parametrize("flag, value, expected", [("--time-mask-width", "-1", "a non-negative integer"),
                                                    ("--mix-prob", "1.5", "a probability in [0, 1]"),
                                                    ("--input-noise", "-0.1", "a standard deviation in [0, 10]")])
def test_cli_bad_values_name_their_flag(cli, capsys, tmp_path, flag, value, expected):
    result = cli("t-rae", "train", "--input", tmp_path / "x.nc", "--run-name", tmp_path / "run", flag, value)
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert result.status == 2 and errors == [f"audeep t-rae train: error: argument {flag}: '{value}' is not "
                                             f"{expected}"]


# ---------------------------------------------------------------- ops
def test_no_option_leaves_the_batch_alone():
    x = _batch()
    clip, source = _pair(x)
    np.testing.assert_array_equal(clip, x)
    np.testing.assert_array_equal(source, x)


def test_masks_fill_bands_with_the_clip_mean_and_leave_the_target_clean():
    x = _batch(batch=32)
    clip, source = _pair(x, time_masks=2, time_mask_width=5, freq_masks=1, freq_mask_width=3)
    np.testing.assert_array_equal(clip, x)
    changed = source != x
    assert changed.any()
    mean = x.mean(axis=(1, 2))
    for i in range(len(x)):
        np.testing.assert_allclose(source[i][changed[i]], mean[i], rtol=1e-5, atol=1e-6)
        rows = changed[i].all(axis=1)  # time masks hide whole steps
        cols = changed[i].all(axis=0)  # frequency masks hide whole bins
        assert np.array_equal(changed[i], rows[:, None] | cols[None, :])
        assert rows.sum() <= 2 * 5 and cols.sum() <= 3
        # masks are contiguous bands: at most 2 runs of hidden steps, 1 of hidden bins
        assert np.count_nonzero(np.diff(np.r_[0, rows.astype(int)]) == 1) <= 2
        assert np.count_nonzero(np.diff(np.r_[0, cols.astype(int)]) == 1) <= 1


def test_padded_steps_are_never_touched_and_means_use_valid_steps():
    x = _batch(batch=8, time=12)
    lengths = np.array([12, 3, 5, 7, 9, 11, 4, 6], np.int32)
    clip, source = _pair(x, lengths, time_masks=2, time_mask_width=3, mask_frames=0.5, mask_span=2,
                         input_noise=0.1, time_shift=2)
    for i, n in enumerate(lengths):
        np.testing.assert_array_equal(clip[i, n:], x[i, n:])
        np.testing.assert_array_equal(source[i, n:], x[i, n:])
        # the shift rolls the valid steps among themselves
        assert sorted(map(tuple, clip[i, :n])) == sorted(map(tuple, x[i, :n]))


def test_time_shift_is_a_circular_roll_of_at_most_the_limit():
    x = _batch(batch=24, time=10)
    clip, source = _pair(x, time_shift=3)
    np.testing.assert_array_equal(clip, source)
    shifts = set()
    for i in range(len(x)):
        match = [s for s in range(-3, 4) if np.array_equal(np.roll(x[i], s, axis=0), clip[i])]
        assert match, i
        shifts.add(match[0])
    assert len(shifts) > 3  # draws differ between clips


def test_mix_takes_the_louder_of_two_clips_of_the_batch():
    x = _batch(batch=40)
    clip, _ = _pair(x, mix_prob=1.0)
    np.testing.assert_array_equal(clip, np.maximum(x, np.roll(x, 1, axis=0)))
    clip, _ = _pair(x, mix_prob=0.5)
    mixed = [not np.array_equal(clip[i], x[i]) for i in range(len(x))]
    assert 5 < sum(mixed) < 35
    for i in range(len(x)):
        assert np.array_equal(clip[i], x[i]) or np.array_equal(clip[i], np.maximum(x[i], x[i - 1]))


def test_masked_frames_hide_about_their_share_in_spans():
    valid = tf.fill([200], 50)
    hidden = span_mask(valid, 50, 0.3, 5, KEY).numpy()
    share = hidden.mean()
    assert 0.2 < share < 0.32, share  # overlapping spans hide a little less than 30 %
    for row in hidden:
        edges = np.diff(np.r_[0, row.astype(int), 0])
        for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            assert stop - start >= 5 or stop == 50  # only the clip's end cuts a span short


def test_noise_has_its_standard_deviation_and_draws_are_keyed():
    x = _batch(batch=64, time=40, freq=10)
    _, source = _pair(x, input_noise=0.2)
    assert abs(np.std(source - x) - 0.2) < 0.01
    _, again = _pair(x, input_noise=0.2)
    np.testing.assert_array_equal(source, again)
    _, other = _pair(x, input_noise=0.2, key=tf.constant([7, 4], tf.int64))
    assert not np.array_equal(source, other)


# ---------------------------------------------------------------- training
@pytest.fixture
def spectra(tmp_path):
    path = tmp_path / "spectra.nc"
    make_dataset(num_files=12, num_chunks=1, shape=(8, 4), seed=3).save(path)
    return path


DAMAGE = {"time_masks": 1, "time_mask_width": 3, "mask_frames": 0.2, "mask_span": 2, "input_noise": 0.1,
          "time_shift": 2, "mix_prob": 0.3}


def test_training_records_its_corruption_and_a_resumed_run_keeps_it(tmp_path, spectra):
    options = dict(kind="t-rae", inputs=[spectra], batch_size=5, seed=1, progress=False)
    run = tmp_path / "run"
    first = train_autoencoder(run_dir=run, num_epochs=1, architecture=ARCH, corruption=DAMAGE, **options)
    config = json.loads((run / "config.json").read_text())
    assert config["corruption"] == CorruptionConfig(**DAMAGE).values()
    assert np.isfinite(first.history[0]["loss"])
    resumed = train_autoencoder(run_dir=run, num_epochs=2, resume=True, **options)  # no corruption given
    assert [r["epoch"] for r in read_history(run)] == [1, 2]
    x = tf.constant(_batch(batch=5, time=8, freq=4))
    clip, source = resumed.model.training_pair(x)
    assert source is not None and not np.array_equal(source.numpy(), clip.numpy())  # the run's own options
    plain = train_autoencoder(run_dir=tmp_path / "plain", num_epochs=1, architecture=ARCH, **options)
    assert plain.model.training_pair(x)[1] is None
    assert not CorruptionConfig(**json.loads((tmp_path / "plain" / "config.json").read_text())["corruption"]).active


@pytest.mark.parametrize("kind, arch", [("f-rae", {"num_units": 4, "freq_window_width": 2, "freq_window_overlap": 0}),
                                        ("ft-rae", {"num_f_units": 3, "num_t_units": 4, "num_t_layers": 1,
                                                    "freq_window_width": 2, "freq_window_overlap": 0})])
def test_every_kind_trains_with_a_damaged_encoder_input(tmp_path, spectra, kind, arch):
    result = train_autoencoder(kind=kind, inputs=[spectra], run_dir=tmp_path / kind, architecture=arch,
                               num_epochs=1, batch_size=6, progress=False,
                               corruption={"freq_masks": 1, "freq_mask_width": 2, "input_noise": 0.1})
    assert np.isfinite(result.history[0]["loss"])
