"""Audio decoding, channel fusion, fixed length, resampling and bad audio files."""

from pathlib import Path

import numpy as np
import pytest
import soundfile
from conftest import tone, write_wav

from audeep.errors import AudioError
from audeep.preprocessing.audio import (
    AudioInfo,
    ChannelMode,
    audio_info,
    fix_length,
    fuse_channels,
    load_signal,
    ogg_vorbis_info,
    read_audio,
    resample,
)


@pytest.mark.parametrize("fmt", ["wav", "flac", "ogg"])
def test_read_formats_as_2d_float(tmp_path, fmt):
    x = tone(0.25, sample_rate=8000, channels=2)
    path = tmp_path / f"a.{fmt}"
    soundfile.write(path, x, 8000)
    data, sr = read_audio(path)
    assert sr == 8000 and data.shape == (2000, 2) and data.dtype == np.float32
    if fmt != "ogg":  # lossless
        np.testing.assert_allclose(data, x, atol=1e-4)
    info = audio_info(path)
    assert (info.frames, info.sample_rate, info.channels) == (2000, 8000, 2)


def test_channel_modes():
    x = np.array([[1.0, 3.0], [2.0, -2.0]])
    np.testing.assert_array_equal(fuse_channels(x, ChannelMode.MEAN), [2.0, 0.0])
    np.testing.assert_array_equal(fuse_channels(x, "left"), [1.0, 2.0])
    np.testing.assert_array_equal(fuse_channels(x, "Right"), [3.0, -2.0])
    np.testing.assert_array_equal(fuse_channels(x, "DIFF"), [-2.0, 4.0])
    mono = np.array([[0.5], [0.25]])
    for mode in ChannelMode:
        np.testing.assert_array_equal(fuse_channels(mono, mode), [0.5, 0.25])


def test_more_than_two_channels():
    x = np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(fuse_channels(x, "mean"), x.mean(axis=1))
    for mode in ("left", "right", "diff"):
        with pytest.raises(AudioError, match="six.wav: 3 channels"):
            fuse_channels(x, mode, name="six.wav")


def test_fix_length_end_and_centre():
    x = np.arange(1.0, 11.0)
    np.testing.assert_array_equal(fix_length(x, 4), [1, 2, 3, 4])
    np.testing.assert_array_equal(fix_length(x, 4, center=True), [4, 5, 6, 7])  # offset (10-4)//2 = 3
    np.testing.assert_array_equal(fix_length(x[:3], 6), [1, 2, 3, 0, 0, 0])
    np.testing.assert_array_equal(fix_length(x[:3], 6, center=True), [0, 1, 2, 3, 0, 0])  # (6-3)//2 before
    np.testing.assert_array_equal(fix_length(x[:3], 8, center=True), [0, 0, 1, 2, 3, 0, 0, 0])
    assert fix_length(np.ones((5, 2)), 7).shape == (7, 2)


def test_resample_and_load_signal(tmp_path):
    path = write_wav(tmp_path / "a.wav", tone(0.5, freq=300, sample_rate=16000, channels=2), 16000)
    signal, sr = load_signal(path, channels="left", resample_rate=8000, fixed_length=0.3, center_fixed=True)
    assert sr == 8000 and signal.shape == (2400,)
    full = resample(read_audio(path)[0][:, 0].astype(np.float64), 16000, 8000)
    assert full.shape == (4000,)
    np.testing.assert_allclose(signal, full[800:3200], atol=1e-6)


@pytest.mark.parametrize("content,match", [
    (b"", "empty"),
    (b"this is plain text, not audio" * 20, "not a readable audio file"),
])
def test_bad_files_name_the_file(tmp_path, content, match):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    for fn in (audio_info, read_audio):
        with pytest.raises(AudioError, match=f"bad.wav.*{match}|bad.wav: (cannot decode|the file is empty)"):
            fn(path)


def test_header_only_wav_has_no_samples(tmp_path):
    path = write_wav(tmp_path / "full.wav", tone(0.1, sample_rate=8000), 8000)
    head = tmp_path / "head.wav"
    head.write_bytes(open(path, "rb").read()[:44])
    with pytest.raises(AudioError, match="head.wav: the audio file contains no samples"):
        audio_info(head)


def test_truncated_flac_fails_to_decode(tmp_path):
    path = tmp_path / "cut.flac"
    soundfile.write(path, tone(1.0, sample_rate=8000), 8000)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(AudioError, match="cut.flac: cannot decode audio"):
        read_audio(path)


def _write_ogg(path, seconds, *, sample_rate=22050, channels=1, subtype="VORBIS", seed=0):
    sig = tone(seconds, freq=300, sample_rate=sample_rate, channels=channels, seed=seed)
    soundfile.write(str(path), sig, sample_rate, format="OGG", subtype=subtype)
    return path


@pytest.mark.parametrize("seconds,rate,channels", [(0.3, 22050, 1), (1.7, 44100, 2), (0.05, 8000, 1), (3.1, 16000, 3)])
def test_ogg_vorbis_header_matches_libsndfile_and_decoding(tmp_path, seconds, rate, channels):
    path = _write_ogg(tmp_path / "a.ogg", seconds, sample_rate=rate, channels=channels)
    fast = ogg_vorbis_info(path)
    ref = soundfile.info(str(path))
    assert fast == AudioInfo(ref.frames, ref.samplerate, ref.channels)
    assert read_audio(path)[0].shape == (fast.frames, channels)
    assert audio_info(path) == fast


def test_ogg_header_falls_back_to_libsndfile(tmp_path):
    whole = _write_ogg(tmp_path / "whole.ogg", 1.0).read_bytes()
    (tmp_path / "truncated.ogg").write_bytes(whole[:-300])  # no end-of-stream page
    (tmp_path / "chained.ogg").write_bytes(whole + _write_ogg(tmp_path / "other.ogg", 0.5, seed=1).read_bytes())
    (tmp_path / "noise.ogg").write_bytes(b"OggS" + bytes(range(200)))
    soundfile.write(str(tmp_path / "not-ogg.ogg"), tone(0.2, sample_rate=8000), 8000, format="WAV")
    for name in ("truncated.ogg", "chained.ogg", "noise.ogg", "not-ogg.ogg", "missing.ogg"):
        assert ogg_vorbis_info(tmp_path / name) is None, name
    opus = tmp_path / "a.opus.ogg"
    try:
        _write_ogg(opus, 0.5, sample_rate=48000, subtype="OPUS")
    except (RuntimeError, soundfile.LibsndfileError):  # pragma: no cover - libsndfile without Opus
        return
    assert ogg_vorbis_info(opus) is None
    assert audio_info(opus).sample_rate == 48000


def test_ogg_header_on_esc10_when_present():
    root = Path(__file__).resolve().parents[2] / "shared" / "data" / "esc-10"
    files = sorted(root.glob("*/*.ogg"))[::20]
    if not files:
        pytest.skip("ESC-10 not present")
    for path in files:
        ref = soundfile.info(str(path))
        assert ogg_vorbis_info(path) == AudioInfo(ref.frames, ref.samplerate, ref.channels), path
