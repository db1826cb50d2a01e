"""``audeep preprocess`` / ``inspect raw`` end to end on small synthetic collections, and the bad inputs."""

import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
import soundfile
from conftest import tone, write_wav
from test_parsers import make_esc
from test_spectrogram import _reference_mel, _reference_power

from audeep import extract_spectrograms
from audeep.dataset import DataSet
from audeep.errors import ParameterError
from audeep.preprocessing.audio import read_audio
from audeep.preprocessing.extract import spectrogram_from_file

SR = 8000
WIDTH, OVERLAP = 0.02, 0.01  # 160-sample frames every 80 samples
BASE = ["--window-width", WIDTH, "--window-overlap", OVERLAP, "--jobs", 1]


def reference_features(signal, *, bands=16, clip_below=None):
    """Independent pipeline: scipy pre-emphasis + spectrogram, loop mel bank, dB, clip, [-1, 1] scaling."""
    nperseg, noverlap = int(SR * WIDTH), int(SR * OVERLAP)
    power = _reference_power(scipy.signal.lfilter([1, -0.95], [1], signal), nperseg, noverlap)
    if bands:
        power = power @ _reference_mel(bands, nperseg, SR)
    db = 10 * np.log10(np.maximum(power, power[power > 0].min()) / power.max())
    if clip_below is not None:
        db = np.maximum(db, clip_below)
    db = db - db.mean()
    return 2 * (db - db.min()) / (db.max() - db.min()) - 1


def make_tree(root, lengths, *, channels=1, subtype="FLOAT"):
    """Cross-validated tree fold_1/fold_2 with classes a/b; one WAV per length, distinct content."""
    paths = []
    for i, seconds in enumerate(lengths):
        path = root / f"fold_{i % 2 + 1}" / "ab"[i // 2 % 2] / f"f{i}.wav"
        sig = tone(seconds, freq=200 + 150 * i, sample_rate=SR, channels=channels, seed=i)
        paths.append(write_wav(path, sig, SR, subtype=subtype))
    return root, paths


@pytest.fixture
def esc_wav(tmp_path):
    return make_esc(tmp_path / "esc", ext="wav")


def test_esc_tree_end_to_end(cli, esc_wav, tmp_path):
    out = tmp_path / "esc.nc"
    res = cli("preprocess", "--basedir", esc_wav, "--output", out, "--mel-spectrum", 16, *BASE, "-f", "json")
    assert res.status == 0, res
    info = json.loads(res.stdout)
    assert info["parser"] == "esc" and info["instances"] == 15 and info["skipped files"] == 0
    with DataSet.open(out) as ds:
        assert ds.validate() == []
        assert ds.feature_shape == (9, 16) and ds.num_folds == 5  # (800 - 80) // 80 frames
        assert ds.class_names == ["Dog bark", "Rain", "Sea waves"]
        feats = ds.load_features()
        assert feats.dtype == np.float32
        np.testing.assert_allclose(feats.min(axis=(1, 2)), -1, atol=1e-6)
        np.testing.assert_allclose(feats.max(axis=(1, 2)), 1, atol=1e-6)
        params = json.loads(ds.attrs["parameters"])
        assert params["mel_bands"] == 16 and params["window_width"] == WIDTH and ds.attrs["command"] == "preprocess"
        # the first instance against the independent reference (OGG-free: lossless WAV)
        path = esc_wav / "001 - Dog bark" / ds.filenames[0]
        signal = read_audio(path)[0][:, 0].astype(np.float64)
        np.testing.assert_allclose(feats[0], reference_features(signal), atol=1e-5)


def test_jobs_give_identical_ordered_output(esc_wav, tmp_path):
    one = extract_spectrograms(esc_wav, output=tmp_path / "one.nc", jobs=1, window_width=WIDTH,
                               window_overlap=OVERLAP, mel_bands=8)
    two = extract_spectrograms(esc_wav, output=tmp_path / "two.nc", jobs=2, window_width=WIDTH,
                               window_overlap=OVERLAP, mel_bands=8)
    mem = extract_spectrograms(esc_wav, parser="esc", jobs=1, window_width=WIDTH, window_overlap=OVERLAP,
                               mel_bands=8)
    with one, two:
        assert list(one.filenames) == list(two.filenames) == list(mem.filenames)
        np.testing.assert_array_equal(one.load_features(), two.load_features())
        np.testing.assert_array_equal(one.load_features(), mem.load_features())
        np.testing.assert_array_equal(one.cv_folds, mem.cv_folds)


def test_variable_length_pads_and_stores_length(cli, tmp_path):
    root, paths = make_tree(tmp_path / "cv", [0.2, 0.35, 0.1, 0.3])
    out = tmp_path / "var.nc"
    res = cli("preprocess", "--basedir", root, "--output", out, "--mel-spectrum", 8, *BASE)
    assert res.status == 0, res
    expected = [(int(s * SR) - 80) // 80 for s in (0.2, 0.35, 0.1, 0.3)]
    with DataSet.open(out) as ds:
        assert ds.validate() == []
        order = [Path(f).name for f in ds.filenames]
        lengths = dict(zip(order, ds.lengths))
        assert [lengths[f"f{i}.wav"] for i in range(4)] == expected
        assert ds.feature_shape == (max(expected), 8)
        feats = ds.load_features()
        for row, name in enumerate(order):
            n = lengths[name]
            assert np.all(feats[row, n:] == -1.0)  # documented pad value
            signal = read_audio(paths[int(name[1])])[0][:, 0].astype(np.float64)
            np.testing.assert_allclose(feats[row, :n], reference_features(signal, bands=8), atol=1e-5)


def test_chunking(cli, tmp_path):
    root, paths = make_tree(tmp_path / "cv", [0.5, 0.45, 0.6, 0.5])
    out = tmp_path / "chunks.nc"
    res = cli("preprocess", "--basedir", root, "--output", out, "--mel-spectrum", 8, "--chunk-length", 0.2,
              "--chunk-count", 2, *BASE)
    assert res.status == 0, res
    with DataSet.open(out) as ds:
        assert ds.validate() == [] and ds.num_instances == 8 and ds.feature_shape == (20, 8)
        assert list(ds.chunk_nrs) == [0, 1] * 4 and ds.lengths is None
        feats = ds.load_features()
        first = [i for i, f in enumerate(ds.filenames) if f.endswith("f0.wav")]
    signal = read_audio(paths[0])[0][:, 0].astype(np.float64)
    nperseg, noverlap = int(SR * WIDTH), int(SR * OVERLAP)
    power = _reference_power(scipy.signal.lfilter([1, -0.95], [1], signal), nperseg, noverlap) @ _reference_mel(
        8, nperseg, SR)
    db = 10 * np.log10(np.maximum(power, power[power > 0].min()) / power.max())
    for c, row in enumerate(first):
        part = db[20 * c: 20 * (c + 1)]
        part = part - part.mean()
        np.testing.assert_allclose(feats[row], 2 * (part - part.min()) / (part.max() - part.min()) - 1, atol=1e-5)
    res = cli("preprocess", "--basedir", root, "--output", tmp_path / "x.nc", "--chunk-length", 0.2,
              "--chunk-count", 3, *BASE)
    assert res.status == 1 and "f0.wav" in res.stderr and "expected at least 3" in res.stderr
    assert not (tmp_path / "x.nc").exists()


@pytest.mark.parametrize("center", [False, True])
def test_fixed_length_modes(cli, tmp_path, center):
    root, paths = make_tree(tmp_path / "cv", [0.37, 0.21, 0.3, 0.25])
    out = tmp_path / "fixed.nc"
    flags = ["--center-fixed"] if center else []
    # zero padding makes whole frames exactly 0; the smallest positive value (the dB floor) is then
    # round-off (~1e-38), so both sides clip at -100 dB to compare like with like
    res = cli("preprocess", "--basedir", root, "--output", out, "--fixed-length", 0.3, "--mel-spectrum", 8,
              "--clip-below", -100, *flags, *BASE)
    assert res.status == 0, res
    with DataSet.open(out) as ds:
        assert ds.feature_shape == ((2400 - 80) // 80, 8) and ds.lengths is None
        feats = {Path(f).name: x for f, x in zip(ds.filenames, ds.load_features())}
    for i in (0, 1):
        x = read_audio(paths[i])[0][:, 0].astype(np.float64)
        n = x.size
        if n >= 2400:
            start = (n - 2400) // 2 if center else 0
            ref = x[start: start + 2400]
        else:
            before = (2400 - n) // 2 if center else 0
            ref = np.concatenate([np.zeros(before), x, np.zeros(2400 - n - before)])
        np.testing.assert_allclose(feats[f"f{i}.wav"], reference_features(ref, bands=8, clip_below=-100), atol=1e-5)


@pytest.mark.parametrize("mode", ["left", "Right", "dIfF", "MEAN"])
def test_channel_modes(cli, tmp_path, mode):
    root, paths = make_tree(tmp_path / "cv", [0.2] * 4, channels=2)
    out = tmp_path / "ch.nc"
    res = cli("preprocess", "--basedir", root, "--output", out, "--channels", mode, "--mel-spectrum", 8, *BASE)
    assert res.status == 0, res
    with DataSet.open(out) as ds:
        feats = {Path(f).name: x for f, x in zip(ds.filenames, ds.load_features())}
    x = read_audio(paths[0])[0].astype(np.float64)
    mono = {"left": x[:, 0], "right": x[:, 1], "diff": x[:, 0] - x[:, 1], "mean": x.mean(axis=1)}[mode.lower()]
    np.testing.assert_allclose(feats["f0.wav"], reference_features(mono, bands=8), atol=1e-5)


def test_bad_channel_mode_and_three_channels(cli, tmp_path):
    root, _ = make_tree(tmp_path / "cv", [0.2] * 4, channels=3)
    res = cli("preprocess", "--basedir", root, "--output", tmp_path / "o.nc", "--channels", "middle", *BASE)
    assert res.status == 2  # argparse rejects it (message on the process's stderr)
    res = cli("preprocess", "--basedir", root, "--output", tmp_path / "o.nc", "--channels", "left", *BASE)
    assert res.status == 1 and "f0.wav: 3 channels" in res.stderr
    assert cli("preprocess", "--basedir", root, "--output", tmp_path / "o.nc", *BASE).status == 0


def test_clipping_and_pretend(cli, tmp_path, esc_wav):
    png = tmp_path / "pretend.png"
    args = ["preprocess", "--basedir", esc_wav, "--output", tmp_path / "none.nc", "--mel-spectrum", 16,
            "--pretend", 3, "--plot", png, *BASE, "-f", "json"]
    res = cli(*args, "--clip-below", -30, "--clip-above", -5)
    assert res.status == 0, res
    info = json.loads(res.stdout)
    assert info["shape"] == "9x16" and info["min (dB)"] == -30 and info["max (dB)"] == -5
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "none.nc").exists()
    unclipped = json.loads(cli(*args).stdout)
    assert unclipped["max (dB)"] == 0 and unclipped["min (dB)"] < -30 and unclipped["filename"] == info["filename"]
    res = cli("preprocess", "--basedir", esc_wav, "--pretend", 99, "--plot", png, *BASE)
    assert res.status == 1 and "--pretend 99" in res.stderr


def test_clip_below_reaches_the_data_set(tmp_path, esc_wav):
    ds = extract_spectrograms(esc_wav, jobs=1, window_width=WIDTH, window_overlap=OVERLAP, mel_bands=16,
                              clip_below=-20)
    signal = read_audio(esc_wav / "001 - Dog bark" / ds.filenames[0])[0][:, 0].astype(np.float64)
    np.testing.assert_allclose(ds.load_features([0])[0], reference_features(signal, clip_below=-20), atol=1e-5)


def test_inspect_raw(cli, esc_wav):
    res = cli("inspect", "raw", "--basedir", esc_wav, "-f", "json")
    assert res.status == 0, res
    info = json.loads(res.stdout)
    assert info["files"] == 15 and info["labels"] == 3 and info["folds"] == 5 and info["parser"] == "esc"
    assert info["sample rates (Hz)"] == "8000" and info["channels"] == "1"
    assert info["min duration (s)"] == info["max duration (s)"] == 0.1


# ------------------------------------------------------------------ bad inputs

def _corrupt(path, kind):
    if kind == "garbage":
        path.write_bytes(b"RIFF not really a wave file" * 10)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "header-only":
        path.write_bytes(path.read_bytes()[:44])
    elif kind == "too-short":
        write_wav(path, tone(0.01, sample_rate=SR), SR)  # 80 samples < one 160-sample window
    elif kind == "other-rate":
        write_wav(path, tone(0.1, sample_rate=16000), 16000)


@pytest.mark.parametrize("kind,message", [
    ("garbage", "not a readable audio file"),
    ("empty", "the file is empty"),
    ("header-only", "contains no samples"),
    ("too-short", "shorter than one window"),
    ("other-rate", "sample rate 16000 Hz differs"),
])
def test_bad_file_aborts_or_is_skipped(cli, esc_wav, tmp_path, kind, message):
    bad = esc_wav / "002 - Rain" / "3-1013-A.wav"
    _corrupt(bad, kind)
    out = tmp_path / "out.nc"
    res = cli("preprocess", "--basedir", esc_wav, "--output", out, *BASE)
    assert res.status == 1 and "3-1013-A.wav" in res.stderr and message in res.stderr, res
    assert not out.exists() and list(tmp_path.glob(".out.nc*")) == []
    res = cli("preprocess", "--basedir", esc_wav, "--output", out, "--skip-bad-files", *BASE, "-f", "json")
    assert res.status == 0, res
    info = json.loads(res.stdout)
    assert info["instances"] == 14 and info["skipped files"] == 1 and info["skipped"].endswith("3-1013-A.wav")
    with DataSet.open(out) as ds:
        assert "3-1013-A.wav" not in set(ds.filenames) and ds.validate() == []


def test_decode_failure_mid_run_leaves_no_output(cli, tmp_path):
    root, paths = make_tree(tmp_path / "cv", [0.3] * 6)
    flac = Path(paths[3]).with_suffix(".flac")
    soundfile.write(flac, tone(1.0, sample_rate=SR), SR)
    flac.write_bytes(flac.read_bytes()[: flac.stat().st_size // 3])  # header intact, data cut
    Path(paths[3]).unlink()
    out = tmp_path / "o.nc"
    res = cli("preprocess", "--basedir", root, "--output", out, *BASE[:-2], "--jobs", 2)
    assert res.status == 1 and "f3.flac: cannot decode audio" in res.stderr, res
    assert not out.exists() and list(tmp_path.glob(".o.nc*")) == []
    res = cli("preprocess", "--basedir", root, "--output", out, "--skip-bad-files", *BASE, "-f", "json")
    assert res.status == 0 and json.loads(res.stdout)["instances"] == 5


def test_mixed_rates_resample(cli, esc_wav, tmp_path):
    _corrupt(esc_wav / "002 - Rain" / "3-1013-A.wav", "other-rate")
    out = tmp_path / "r.nc"
    res = cli("preprocess", "--basedir", esc_wav, "--output", out, "--resample", SR, *BASE)
    assert res.status == 0, res
    with DataSet.open(out) as ds:
        assert ds.num_instances == 15 and json.loads(ds.attrs["parameters"])["resample"] == SR


def test_silent_clip_is_constant_zero(cli, esc_wav, tmp_path, caplog):
    write_wav(esc_wav / "002 - Rain" / "3-1013-A.wav", np.zeros(800), SR)
    out = tmp_path / "s.nc"
    with caplog.at_level(logging.WARNING):
        res = cli("preprocess", "--basedir", esc_wav, "--output", out, *BASE)
    assert res.status == 0, res
    assert "3-1013-A.wav is silent" in caplog.text + res.stderr
    with DataSet.open(out) as ds:
        row = list(ds.filenames).index("3-1013-A.wav")
        assert np.all(ds.load_features([row]) == 0)


def test_window_wider_than_every_clip(cli, esc_wav, tmp_path):
    res = cli("preprocess", "--basedir", esc_wav, "--output", tmp_path / "w.nc", "--window-width", 0.5,
              "--window-overlap", 0.25, "--jobs", 1)
    assert res.status == 1 and "shorter than one window" in res.stderr and ".wav" in res.stderr
    res = cli("preprocess", "--basedir", esc_wav, "--output", tmp_path / "w.nc", "--window-width", 0.5,
              "--window-overlap", 0.25, "--jobs", 1, "--skip-bad-files")
    assert res.status == 1 and "none of the 15 files" in res.stderr
    assert not (tmp_path / "w.nc").exists()


def test_bad_folders_and_outputs(cli, esc_wav, tmp_path):
    res = cli("preprocess", "--basedir", tmp_path / "missing", "--output", tmp_path / "o.nc", *BASE)
    assert res.status == 1 and "missing: no such folder" in res.stderr
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("x")
    res = cli("preprocess", "--basedir", tmp_path / "plain", "--output", tmp_path / "o.nc", *BASE)
    assert res.status == 1 and "no parser recognises" in res.stderr and "tried: dcase" in res.stderr
    res = cli("preprocess", "--basedir", esc_wav, "--output", tmp_path / "nodir" / "o.nc", *BASE)
    assert res.status == 1 and "nodir" in res.stderr and "does not exist" in res.stderr
    res = cli("preprocess", "--basedir", esc_wav, "--output", tmp_path, *BASE)
    assert res.status == 1 and "is a folder" in res.stderr
    res = cli("preprocess", "--basedir", esc_wav, "--chunk-length", 0.1, *BASE)
    assert res.status == 1 and "--chunk-count" in res.stderr
    res = cli("inspect", "raw", "--basedir", esc_wav, "--parser", "dcase")
    assert res.status == 1 and "parser 'dcase' cannot parse" in res.stderr


def test_precision_option(cli, esc_wav, tmp_path, capsys):
    runs = {}
    for precision in ("float32", "float64"):
        out = tmp_path / f"{precision}.nc"
        res = cli("preprocess", "--basedir", esc_wav, "--output", out, "--mel-spectrum", 16, "--clip-below", -60,
                  "--precision", precision, *BASE)
        assert res.status == 0, res
        with DataSet.open(out) as ds:
            assert json.loads(ds.attrs["parameters"])["precision"] == precision
            runs[precision] = ds.load_features()
    np.testing.assert_allclose(runs["float32"], runs["float64"], rtol=0, atol=1e-5)
    res = cli("preprocess", "--basedir", esc_wav, "--output", tmp_path / "x.nc", "--precision", "float16", *BASE)
    assert res.status == 2 and "float16" in res.stderr + capsys.readouterr().err
    assert not (tmp_path / "x.nc").exists()
    with pytest.raises(ParameterError, match="precision 'half'"):
        spectrogram_from_file(next(esc_wav.rglob("*.wav")), precision="half")


def test_preprocess_imports_neither_xarray_nor_tensorflow(esc_wav, tmp_path):
    """Start-up stays small: writing a data set needs netCDF4, not xarray/pandas (0.3 s) or TensorFlow."""
    code = ("import sys\nfrom audeep.cli.app import main\n"
            f"assert main(['-q', 'preprocess', '--basedir', {str(esc_wav)!r}, '--output', "
            f"{str(tmp_path / 'x.nc')!r}, '--jobs', '2']) == 0\n"
            "heavy = [m for m in ('xarray', 'pandas', 'tensorflow', 'sklearn') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120, stdout=subprocess.DEVNULL)
    assert (tmp_path / "x.nc").exists()


def test_spawned_workers_give_the_same_output(esc_wav, tmp_path, monkeypatch):
    """Without fork (a process that loaded TensorFlow must not fork), workers start fresh and get the same result."""
    import multiprocessing

    from audeep.preprocessing import workers

    forked = extract_spectrograms(esc_wav, output=tmp_path / "fork.nc", jobs=2, window_width=WIDTH,
                                  window_overlap=OVERLAP, mel_bands=8)
    monkeypatch.setattr(workers, "_pool_context", lambda: multiprocessing.get_context("spawn"))
    spawned = extract_spectrograms(esc_wav, output=tmp_path / "spawn.nc", jobs=2, window_width=WIDTH,
                                   window_overlap=OVERLAP, mel_bands=8)
    with forked, spawned:
        assert list(forked.filenames) == list(spawned.filenames)
        np.testing.assert_array_equal(forked.load_features(), spawned.load_features())


def test_in_memory_extraction_without_folds(tmp_path):
    import soundfile as sf

    import audeep

    for i in range(3):
        sf.write(tmp_path / f"f{i}.wav", np.random.default_rng(i).normal(0, 0.1, 8000).astype(np.float32), 8000)
    ds = audeep.extract_spectrograms(tmp_path, parser="no_metadata")  # no output file: in memory
    assert ds.num_instances == 3 and ds.num_folds == 0 and ds.cv_folds.shape == (3, 0)
