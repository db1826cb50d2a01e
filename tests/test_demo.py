"""The synthetic demo data set (audeep.demo) and ``audeep demo``."""

import csv

import numpy as np
import pytest
import soundfile

from audeep.demo import DEMO_CLASSES, make_demo_dataset, synthesize_clip
from audeep.errors import ParameterError


def _descriptor(signal, sample_rate):
    """A shift-invariant spectro-temporal descriptor: the energy-weighted mean log power of
    24 frequency bands and how each band's power moves over the event (its covariance with time)."""
    from scipy.signal import stft

    _, _, spec = stft(signal, sample_rate, nperseg=512, noverlap=256)
    power = np.abs(spec) ** 2
    bands = np.log10(np.stack([power[b].sum(0) for b in np.array_split(np.arange(power.shape[0]), 24)]) + 1e-10)
    weight = power.sum(0) / power.sum()
    t = np.arange(bands.shape[1])
    centre = (weight * t).sum()
    mean = (bands * weight).sum(1)
    spread = np.sqrt((weight * (t - centre) ** 2).sum()) + 1e-9
    slope = ((bands - mean[:, None]) * (t - centre) * weight).sum(1) / spread
    return np.concatenate([mean, slope])


def test_esc_layout_files_and_folds(tmp_path):
    coll = make_demo_dataset(tmp_path, num_classes=4, clips_per_class=6, seconds=2.0, sample_rate=16000)
    assert len(coll) == 24
    assert coll.class_names == list(DEMO_CLASSES[:4])
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert folders == ["001 - Tone", "002 - Chirp up", "003 - Chirp down", "004 - Noise burst"]
    for path, label, fold in zip(coll.files, coll.labels, coll.folds):
        assert path.exists() and path.suffix == ".wav"
        assert path.parent.name.endswith(" - " + label)
        assert path.name.startswith(f"{fold}-")
        info = soundfile.info(str(path))
        assert (info.samplerate, info.channels, info.frames) == (16000, 1, 32000)
    # 6 clips per class over 5 folds: fold 1 holds two of each class, every fold at least one
    assert sorted(set(coll.folds)) == [1, 2, 3, 4, 5]
    assert coll.folds[:6] == [1, 2, 3, 4, 5, 1]


def test_signals_are_valid_audio(tmp_path):
    coll = make_demo_dataset(tmp_path, num_classes=6, clips_per_class=5, seconds=2.5, sample_rate=8000)
    for path in coll.files:
        signal, sr = soundfile.read(str(path))
        assert sr == 8000 and signal.shape == (20000,)
        assert np.all(np.isfinite(signal)) and np.max(np.abs(signal)) <= 1.0
        # an audible event (peak between -14 and -2 dBFS) over a faint background
        assert 0.15 < np.max(np.abs(signal)) < 0.9
        # events last at most 80 % of a clip, so its first or last 10 % is background only
        tenth = signal.size // 10
        rms = [np.sqrt(np.mean(part ** 2)) for part in (signal[:tenth], signal[-tenth:])]
        assert min(rms) < 0.02 < np.max(np.abs(signal))


def test_deterministic_by_seed(tmp_path):
    a = make_demo_dataset(tmp_path / "a", num_classes=3, clips_per_class=5, seed=7)
    b = make_demo_dataset(tmp_path / "b", num_classes=3, clips_per_class=5, seed=7)
    c = make_demo_dataset(tmp_path / "c", num_classes=3, clips_per_class=5, seed=8)
    for pa, pb, pc in zip(a.files, b.files, c.files):
        assert pa.read_bytes() == pb.read_bytes()
        assert pa.name == pc.name
    assert any(pa.read_bytes() != pc.read_bytes() for pa, pc in zip(a.files, c.files))


def test_classes_are_spectrally_distinct(tmp_path):
    """Leave-one-out nearest-centroid on a simple descriptor separates the six classes,
    while the clips within a class still vary (random onset, level and parameters)."""
    coll = make_demo_dataset(tmp_path, num_classes=6, clips_per_class=15, seed=3)
    feats = np.array([_descriptor(*soundfile.read(str(p))) for p in coll.files])
    labels = np.array([coll.class_names.index(name) for name in coll.labels])
    feats = (feats - feats.mean(0)) / (feats.std(0) + 1e-12)
    correct = 0
    for i in range(len(labels)):
        keep = np.arange(len(labels)) != i
        centroids = np.stack([feats[keep & (labels == k)].mean(0) for k in range(6)])
        correct += int(np.argmin(((centroids - feats[i]) ** 2).sum(1)) == labels[i])
    assert correct / len(labels) > 0.85
    # not trivially identical clips: onsets differ within a class
    onsets = []
    for path in coll.files[:15]:
        signal, _ = soundfile.read(str(path))
        onsets.append(int(np.argmax(np.abs(signal) > 0.3 * np.max(np.abs(signal)))))
    assert np.std(onsets) > 1000


def test_rising_and_falling_chirps_sweep_in_opposite_directions():
    from scipy.signal import stft

    for kind, sign in (("Chirp up", 1), ("Chirp down", -1)):
        rng = np.random.default_rng(0)
        signal = synthesize_clip(kind, rng=rng, seconds=2.0, sample_rate=16000)
        freqs, _, spec = stft(signal, 16000, nperseg=512)
        power = np.abs(spec) ** 2
        active = power.sum(0) > 0.1 * power.sum(0).max()
        peak = freqs[np.argmax(power[:, active], axis=0)]
        assert np.sign(peak[-3:].mean() - peak[:3].mean()) == sign


def test_other_layouts(tmp_path):
    flat = make_demo_dataset(tmp_path / "flat", num_classes=2, clips_per_class=5, layout="esc50")
    with open(tmp_path / "flat" / "meta" / "esc50.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 10
    assert {r["category"] for r in rows} == {"tone", "chirp_up"}
    assert all((tmp_path / "flat" / "audio" / r["filename"]).exists() for r in rows)
    assert [int(r["fold"]) for r in rows] == flat.folds

    cv = make_demo_dataset(tmp_path / "cv", num_classes=3, clips_per_class=5, layout="cross_validated")
    assert sorted(p.name for p in (tmp_path / "cv").iterdir()) == [f"fold_{k}" for k in range(1, 6)]
    assert sorted(p.name for p in (tmp_path / "cv" / "fold_3").iterdir()) == ["chirp_down", "chirp_up", "tone"]
    assert all(f"fold_{fold}" in str(path) for path, fold in zip(cv.files, cv.folds))


@pytest.mark.parametrize("kwargs, word", [
    ({"num_classes": 1}, "num_classes"),
    ({"num_classes": 7}, "num_classes"),
    ({"clips_per_class": 4}, "clips_per_class"),
    ({"layout": "dcase"}, "dcase"),
    ({"sample_rate": 4000}, "4000"),
])
def test_bad_parameters(tmp_path, kwargs, word):
    with pytest.raises(ParameterError, match=word):
        make_demo_dataset(tmp_path, **kwargs)


# ----------------------------------------------------------------------------------
# audeep demo: the whole pipeline
# ----------------------------------------------------------------------------------

def test_demo_refuses_a_foreign_folder_and_reuses_its_own(tmp_path, cli):
    from audeep.demo.pipeline import _prepare_output

    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    result = cli("demo", "--quick", "--output", foreign)
    assert result.status != 0
    assert "mine" in result.stderr and "not empty" in result.stderr
    assert (foreign / "thesis.tex").read_text() == "precious"

    own = tmp_path / "demo"
    _prepare_output(own)
    (own / "features.nc").write_text("old")
    (own / "run").mkdir()
    (own / "notes.txt").write_text("kept")
    _prepare_output(own)
    assert not (own / "features.nc").exists() and not (own / "run").exists()
    assert (own / "notes.txt").read_text() == "kept"

    with pytest.raises(ParameterError, match="not a folder"):
        _prepare_output(foreign / "thesis.tex")


def test_demo_quick_runs_the_pipeline(tmp_path, cli):
    import arff

    from audeep.dataset import DataSet

    out = tmp_path / "demo"
    result = cli("demo", "--quick", "--output", out, "--jobs", "1")
    assert result.status == 0, result
    lines = result.stdout.splitlines()
    # every step is reported, in order
    steps = [line.split(" ", 1)[0] for line in lines if line.startswith("[")]
    assert steps == ["[1/6]", "[2/6]", "[3/6]", "[4/6]", "[5/6]", "[6/6]"]

    # spectrograms: 4 classes x 10 clips, valid, in [-1, 1]
    with DataSet.open(out / "spectrograms.nc") as spec:
        assert spec.num_instances == 40 and spec.num_folds == 5
        assert spec.class_names == ["Tone", "Chirp up", "Chirp down", "Noise burst"]
        assert spec.validate() == []
        x = spec.load_features()
        assert x.shape[1:] == (79, 40) and x.min() >= -1.0 and x.max() <= 1.0
    # features: one vector per clip, metadata unchanged
    with DataSet.open(out / "features.nc") as feats:
        assert feats.num_instances == 40 and feats.feature_dims == ("generated",)
        assert feats.feature_shape == (64,)  # 1 x 32 GRU, bidirectional decoder
        assert feats.validate() == []
    # the run directory has one checkpoint per epoch
    assert len(list((out / "run" / "checkpoints").glob("epoch-*.keras"))) == 10

    # per-fold accuracy printed, and the mean well above chance (4 balanced classes: 0.25)
    folds = [float(line.split("accuracy")[1].split()[0]) for line in lines if line.strip().startswith("fold ")]
    assert len(folds) == 5 and all(0.0 <= a <= 1.0 for a in folds)
    mean_line = next(line for line in lines if line.strip().startswith("mean:"))
    mean = float(mean_line.split("accuracy")[1].split()[0])
    assert mean == pytest.approx(np.mean(folds), abs=1e-3)
    assert mean > 0.4, result.stdout

    # ARFF: one file per fold with that fold's 8 validation clips, class attribute nominal
    files = sorted((out / "export").rglob("*.arff"))
    assert [f.parent.name for f in files] == [f"fold_{k}" for k in range(1, 6)]
    loaded = arff.load(open(files[0]))
    assert len(loaded["data"]) == 8
    nominal = dict(loaded["attributes"])["label_nominal"]
    assert sorted(nominal) == sorted(["Tone", "Chirp up", "Chirp down", "Noise burst"])

    # plots are real PNG files
    for name in ("spectrogram", "loss", "confusion"):
        data = (out / "plots" / f"{name}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
