"""``audeep extract`` / :class:`audeep.training.extraction.Extractor`: features of new recordings.

Tiny runs (1 epoch, 4 units) on synthetic tones: the run records its preprocessing; extract
on the training audio equals preprocess + generate; windows of long recordings; outputs.
"""

import json

import numpy as np
import pytest
from conftest import tone, write_wav

pytest.importorskip("tensorflow")

from audeep.dataset import DataSet  # noqa: E402
from audeep.errors import AudioError, ParameterError  # noqa: E402
from audeep.preprocessing.audio import read_audio  # noqa: E402
from audeep.preprocessing.extract import run_extraction  # noqa: E402
from audeep.training import generate_features, train_autoencoder  # noqa: E402
from audeep.training.extraction import load_extractor  # noqa: E402

SR = 8000
SPEC = {"window_width": 0.02, "window_overlap": 0.01, "mel_bands": 8}
ARCH = {"num_units": 4, "cell": "gru"}


def make_collection(root, lengths, *, sample_rate=SR):
    """One WAV per length (distinct tones) in ``root``; returns the paths."""
    return [write_wav(root / f"clip{i}.wav", tone(seconds, freq=300 + 170 * i, sample_rate=sample_rate, seed=i),
                      sample_rate) for i, seconds in enumerate(lengths)]


def train_run(tmp, name, lengths, **spec):
    """(audio folder, preprocessed data set, run dir) of a 1-epoch run on a synthetic collection."""
    audio = tmp / f"{name}_audio"
    make_collection(audio, lengths)
    data = tmp / f"{name}.nc"
    run_extraction(audio, parser="no_metadata", output=data, jobs=1, progress=False, **SPEC, **spec)
    run = tmp / f"{name}_run"
    train_autoencoder(kind="t-rae", inputs=[data], run_dir=run, architecture=ARCH, num_epochs=1, batch_size=4,
                      progress=False, threads=1)
    return audio, data, run


@pytest.fixture(scope="module")
def fixed_run(tmp_path_factory):
    return train_run(tmp_path_factory.mktemp("fixed"), "fixed", [1.0, 0.8, 1.0, 0.9, 1.0], fixed_length=1.0)


@pytest.fixture(scope="module")
def variable_run(tmp_path_factory):
    return train_run(tmp_path_factory.mktemp("variable"), "variable", [0.5, 0.9, 0.7, 0.6])


def generated(run, data, tmp_path):
    """Features of ``preprocess + generate``: basename -> features."""
    out = tmp_path / "generated.nc"
    generate_features(run_dir=run, input=data, outputs=[out], threads=1)
    with DataSet.open(out) as ds:
        return {str(f).split("/")[-1]: ds.load_features()[i] for i, f in enumerate(ds.filenames)}


def by_name(frame):
    return {f.split("/")[-1]: frame.xs(f, level="file").to_numpy() for f in frame.index.get_level_values("file")}


def test_run_records_preprocessing(fixed_run):
    _, _, run = fixed_run
    recorded = json.loads((run / "config.json").read_text())["preprocessing"]
    assert recorded["sample_rate"] == SR
    assert recorded["fixed_length"] == 1.0 and recorded["mel_bands"] == 8 and recorded["window_width"] == 0.02
    assert "basedir" not in recorded and "parser" not in recorded


@pytest.mark.parametrize("which", ["fixed_run", "variable_run"])
def test_extract_equals_preprocess_and_generate(which, request, tmp_path):
    audio, data, run = request.getfixturevalue(which)
    reference = generated(run, data, tmp_path)
    frame = load_extractor(run).features(audio)
    assert len(frame) == len(reference)
    got = by_name(frame)
    for name, features in reference.items():
        np.testing.assert_allclose(got[name][0], features, atol=1e-5)
    starts = frame.index.get_level_values("start")
    assert (starts == 0).all()


@pytest.mark.parametrize("which", ["fixed_run", "variable_run"])
def test_clip_alone_equals_clip_with_others(which, request):
    audio, _, run = request.getfixturevalue(which)
    extractor = load_extractor(run, batch_size=3)
    together = by_name(extractor.features(sorted(audio.glob("*.wav"))))
    for path in sorted(audio.glob("*.wav")):
        alone = extractor.features(path).to_numpy()
        np.testing.assert_allclose(alone, together[path.name], atol=1e-5)


def test_windows_of_long_recording(fixed_run, tmp_path):
    _, _, run = fixed_run
    signal = tone(2.5, freq=500, sample_rate=SR, seed=9)
    long = write_wav(tmp_path / "long.wav", signal, SR)
    first = write_wav(tmp_path / "first.wav", signal[:SR], SR)
    extractor = load_extractor(run, hop=0.5)
    frame = extractor.features([long, first])
    windows = frame.xs(long, level="file")
    np.testing.assert_allclose(windows.index.get_level_values("start"), [0, 0.5, 1.0, 1.5])
    np.testing.assert_allclose(windows.index.get_level_values("end"), [1.0, 1.5, 2.0, 2.5])
    # the first window is the first second, as a file of its own
    np.testing.assert_allclose(windows.to_numpy()[0], frame.xs(first, level="file").to_numpy()[0], atol=1e-5)
    # the same (decoded) signal from memory
    decoded, rate = read_audio(long)
    memory = extractor.features_of(decoded, sample_rate=rate, name="mem")
    np.testing.assert_allclose(memory.to_numpy(), windows.to_numpy(), atol=1e-5)
    # default hop: the training length (1 s); the last window is zero-padded
    default = load_extractor(run).features(long)
    np.testing.assert_allclose(default.index.get_level_values("start"), [0, 1.0, 2.0])
    np.testing.assert_allclose(default.index.get_level_values("end"), [1.0, 2.0, 2.5])


def test_resampled_to_the_runs_rate(fixed_run, tmp_path, caplog):
    _, _, run = fixed_run
    path = write_wav(tmp_path / "hi.wav", tone(1.0, freq=400, sample_rate=16000, seed=3), 16000)
    with caplog.at_level("INFO", logger="audeep.training.extraction"):
        frame = load_extractor(run).features(path)
    assert len(frame) == 1
    assert any("16000 Hz" in r.getMessage() and f"{SR} Hz" in r.getMessage() for r in caplog.records)


def test_too_short_for_a_variable_length_run(variable_run, tmp_path):
    _, _, run = variable_run
    short = write_wav(tmp_path / "short.wav", tone(0.005, sample_rate=SR), SR)
    with pytest.raises(AudioError, match="short.wav"):
        load_extractor(run).features(short)
    ok = write_wav(tmp_path / "ok.wav", tone(0.5, sample_rate=SR), SR)
    frame = load_extractor(run).features([short, ok], skip_bad_files=True)
    assert list(frame.index.get_level_values("file")) == [ok]


def test_clip_alone_equals_clip_with_a_longer_one(variable_run, tmp_path):
    """Padding to a recording longer than any training clip must not change the others (masking)."""
    audio, _, run = variable_run
    longer = write_wav(tmp_path / "longer.wav", tone(1.5, freq=650, sample_rate=SR, seed=5), SR)
    clip = audio / "clip0.wav"
    extractor = load_extractor(run)
    together = extractor.features([clip, longer])
    assert together.index.get_level_values("end")[1] == pytest.approx(1.5)
    np.testing.assert_allclose(extractor.features(clip).to_numpy(), together.to_numpy()[:1], atol=1e-5)


def test_fixed_length_windows_follow_preprocess(tmp_path):
    """No model: a clip a little longer than the window is cut as preprocess cuts it (centred); more gives more."""
    from audeep.preprocessing.extract import file_spectrograms
    from audeep.preprocessing.options import SpectrogramOptions
    from audeep.preprocessing.windows import Windowing

    options = SpectrogramOptions(**SPEC, fixed_length=1.0, center_fixed=True, resample=SR)
    signal = tone(1.05, freq=440, sample_rate=SR, seed=4)
    path = write_wav(tmp_path / "a.wav", signal, SR, subtype="FLOAT")
    windows = Windowing(options).of_signal(read_audio(path)[0], sample_rate=SR, name="a")
    np.testing.assert_allclose(windows.starts, [0.025])
    np.testing.assert_allclose(windows.spectrograms[0], file_spectrograms(path, options)[0], atol=1e-6)
    longer = Windowing(options).of_signal(tone(1.6, sample_rate=SR), sample_rate=SR)
    np.testing.assert_allclose(longer.starts, [0, 1.0])
    np.testing.assert_allclose(longer.ends, [1.0, 1.6])


@pytest.mark.parametrize("kind, arch", [("f-rae", {"num_units": 4, "freq_window_width": 4, "freq_window_overlap": 2})])
def test_other_kinds(kind, arch, variable_run, tmp_path):
    """Generic over the run's kind (the ft-RAE gives the same result, but its tiny training takes 30 s)."""
    audio, data, _ = variable_run
    run = tmp_path / kind
    train_autoencoder(kind=kind, inputs=[data], run_dir=run, architecture=arch, num_epochs=1, batch_size=4,
                      progress=False, threads=1)
    reference = generated(run, data, tmp_path)
    got = by_name(load_extractor(run).features(audio))
    for name, features in reference.items():
        np.testing.assert_allclose(got[name][0], features.reshape(-1), atol=1e-5)


def test_inputs_preprocessed_differently_record_nothing(fixed_run, tmp_path, caplog):
    audio, data, _ = fixed_run
    other = tmp_path / "other.nc"
    run_extraction(audio, parser="no_metadata", output=other, jobs=1, progress=False, **SPEC, fixed_length=1.0,
                   clip_below=-40)
    run = tmp_path / "run"
    with caplog.at_level("WARNING", logger="audeep.training.train"):
        train_autoencoder(kind="t-rae", inputs=[data, other], run_dir=run, architecture=ARCH, num_epochs=1,
                          batch_size=4, progress=False, threads=1)
    assert json.loads((run / "config.json").read_text())["preprocessing"] is None
    assert any("not all preprocessed with the same" in r.getMessage() for r in caplog.records)
    with pytest.raises(ParameterError, match="does not record its preprocessing"):
        load_extractor(run)
