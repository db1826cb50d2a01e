"""Spectrogram numerics against independent references (scipy.signal, loop-built HTK mel bank)."""

import logging

import numpy as np
import pytest
import scipy.signal

from audeep.errors import AudioError, ParameterError
from audeep.preprocessing import spectrogram
from audeep.preprocessing.spectrogram import (
    FrameGeometry,
    clip_db,
    db_spectrogram,
    mel_filterbank,
    power_spectrogram,
    power_to_db,
    pre_emphasis,
    scale_unit,
    split_chunks,
)


def _signal(n=8000, seed=1):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 8000
    return 0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.normal(size=n) + 0.2  # DC offset: mean removal matters


def _reference_power(x, nperseg, noverlap):
    """|STFT|^2 / nperseg via scipy: periodic Hann, per-frame constant detrend, no padding."""
    window = scipy.signal.get_window("hann", nperseg, fftbins=True)
    _, _, z = scipy.signal.spectrogram(x, fs=1.0, window=window, nperseg=nperseg, noverlap=noverlap, nfft=nperseg,
                                       detrend="constant", return_onesided=True, scaling="spectrum", mode="complex")
    # scaling="spectrum" divides the STFT by sum(window)
    return (np.abs(z) * window.sum()).T ** 2 / nperseg


def _reference_mel(num_bands, n_fft, sr):
    """Straightforward loop over bands and bins (HTK scale, floor-binned edges, peak-1 triangles)."""
    top = 2595 * np.log10(1 + (sr / 2) / 700)
    points = [top * i / (num_bands + 1) for i in range(num_bands + 2)]
    hz = [700 * (10 ** (m / 2595) - 1) for m in points]
    edges = [int(np.floor((n_fft + 1) * h / sr)) for h in hz]
    bank = np.zeros((n_fft // 2 + 1, num_bands))
    for m in range(1, num_bands + 1):
        lo, mid, hi = edges[m - 1], edges[m], edges[m + 1]
        for k in range(lo, mid):
            bank[k, m - 1] = (k - lo) / (mid - lo)
        for k in range(mid, hi):
            bank[k, m - 1] = (hi - k) / (hi - mid)
    return bank


@pytest.mark.parametrize("nperseg,noverlap", [(320, 160), (256, 100), (200, 0)])
def test_power_spectrogram_matches_scipy(nperseg, noverlap):
    x = _signal()
    ours = power_spectrogram(x, nperseg=nperseg, noverlap=noverlap)
    ref = _reference_power(x, nperseg, noverlap)
    assert ours.shape == ref.shape == ((x.size - noverlap) // (nperseg - noverlap), nperseg // 2 + 1)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5 * ref.max())


def test_frame_count_rule():
    geometry = FrameGeometry(sample_rate=44100, window_width=0.08, window_overlap=0.04)
    nperseg, noverlap, step = geometry.nperseg, geometry.noverlap, geometry.step
    assert (nperseg, noverlap, step) == (3528, 1764, 1764)
    assert geometry.num_frames(220500) == 124  # the paper's ESC-10 setting
    for n in (3527, 3528, 5291, 5292, 10000):
        expected = 0 if n < nperseg else (n - noverlap) // step
        assert geometry.num_frames(n) == expected
        assert power_spectrogram(np.ones(n), nperseg=nperseg, noverlap=noverlap).shape[0] == expected


def test_pre_emphasis_is_the_first_order_filter():
    x = _signal(500)
    np.testing.assert_allclose(pre_emphasis(x), scipy.signal.lfilter([1, -0.95], [1], x), rtol=0, atol=1e-12)


@pytest.mark.parametrize("bands,n_fft,sr", [(128, 3528, 44100), (40, 512, 16000), (26, 400, 8000)])
def test_mel_filterbank_matches_loop_reference(bands, n_fft, sr):
    ours = mel_filterbank(mel_bands=bands, n_fft=n_fft, sample_rate=sr)
    ref = _reference_mel(bands, n_fft, sr)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    assert ours.max() == pytest.approx(1.0)


def test_mel_filterbank_warns_on_empty_bands(caplog):
    with caplog.at_level(logging.WARNING, logger="audeep.preprocessing.spectrogram"):
        bank = mel_filterbank(mel_bands=64, n_fft=64, sample_rate=8000)
    assert (~bank.any(axis=0)).sum() > 0
    assert "empty" in caplog.text


def test_full_chain_matches_reference():
    x = _signal(16000)
    sr, width, overlap, bands = 8000, 0.05, 0.025, 32
    nperseg, noverlap = int(sr * width), int(sr * overlap)
    emphasised = scipy.signal.lfilter([1, -0.95], [1], x)
    mel = _reference_power(emphasised, nperseg, noverlap) @ _reference_mel(bands, nperseg, sr)
    floor = mel[mel > 0].min()
    ref = 10 * np.log10(np.maximum(mel, floor) / mel.max())
    ref = np.clip(ref, -50, -3)
    ours = db_spectrogram(x, sample_rate=sr, window_width=width, window_overlap=overlap, mel_bands=bands,
                          clip_below=-50, clip_above=-3)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-5)
    lin = db_spectrogram(x, sample_rate=sr, window_width=width, window_overlap=overlap)
    assert lin.shape == (mel.shape[0], nperseg // 2 + 1) and lin.max() == 0.0


def test_db_relative_to_max_and_floor():
    power = np.array([[0.0, 1e-3], [1.0, 10.0]])
    db = power_to_db(power)
    np.testing.assert_allclose(db, [[-40.0, -40.0], [-10.0, 0.0]])  # 0 replaced by the smallest positive value


def test_silent_clip_gives_constant_not_crash(caplog):
    with caplog.at_level(logging.WARNING):
        db = db_spectrogram(np.zeros(4000), sample_rate=8000, mel_bands=16, name="quiet.wav")
    assert np.all(db == 0.0) and "quiet.wav" in caplog.text
    assert np.all(scale_unit(db) == 0.0)


def test_clip_db():
    db = np.linspace(-100, 0, 11)[None]
    out = clip_db(db, below=-60, above=-10)
    assert out.min() == -60 and out.max() == -10
    np.testing.assert_array_equal(clip_db(db), db)


def test_scale_unit_per_spectrogram():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 7, 5)) * [[[1.0]], [[5.0]], [[0.0]]]
    out = scale_unit(x)
    for i in range(2):
        c = x[i] - x[i].mean()
        np.testing.assert_allclose(out[i], 2 * (c - c.min()) / (c.max() - c.min()) - 1, atol=1e-12)
        assert out[i].min() == -1 and out[i].max() == 1
    assert np.all(out[2] == 0)


def test_split_chunks():
    spec = np.arange(50.0).reshape(10, 5)
    chunks = split_chunks(spec, frames_per_chunk=3, chunk_count=2)
    np.testing.assert_array_equal(chunks, spec[:6].reshape(2, 3, 5))
    with pytest.raises(AudioError, match="clip.wav.*expected at least 4"):
        split_chunks(spec, frames_per_chunk=3, chunk_count=4, name="clip.wav")


def test_clip_shorter_than_window_is_an_error():
    with pytest.raises(AudioError, match="short.wav.*shorter than one window"):
        db_spectrogram(np.ones(100), sample_rate=8000, window_width=0.04, name="short.wav")


@pytest.mark.parametrize("nperseg,noverlap,n", [(3528, 1764, 44100 * 8), (160, 80, 8000 * 60)])
def test_power_spectrogram_blocks_and_filterbank(nperseg, noverlap, n):
    """Long signals are transformed in several blocks; the filter bank is applied per block."""
    x = _signal(n)
    ref = _reference_power(x, nperseg, noverlap)
    ours = power_spectrogram(x, nperseg=nperseg, noverlap=noverlap)
    assert ours.shape[0] * nperseg * 8 > 2 * spectrogram._BLOCK_BYTES  # more than two blocks of frames
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5 * ref.max())
    bank = mel_filterbank(mel_bands=20, n_fft=nperseg, sample_rate=8000)
    banded = power_spectrogram(x, nperseg=nperseg, noverlap=noverlap, filterbank=bank)
    np.testing.assert_allclose(banded, ref @ bank, rtol=1e-5, atol=1e-5 * (ref @ bank).max())
    with pytest.raises(ParameterError, match="filter bank of shape"):
        power_spectrogram(x, nperseg=nperseg, noverlap=noverlap, filterbank=bank[1:])


def test_single_precision_against_the_double_reference():
    """float32 arithmetic: power within 1e-4 of the peak, scaled features within 1e-5 of the reference."""
    x = _signal(16000)
    ref = _reference_power(x, 400, 200)
    ours = power_spectrogram(x, nperseg=400, noverlap=200, dtype=np.float32)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref, rtol=1e-3, atol=1e-6 * ref.max())
    sr, width, overlap = 8000, 0.05, 0.025
    db64 = db_spectrogram(x, sample_rate=sr, window_width=width, window_overlap=overlap, mel_bands=32,
                          clip_below=-60)
    db32 = db_spectrogram(x, sample_rate=sr, window_width=width, window_overlap=overlap, mel_bands=32,
                          clip_below=-60, dtype=np.float32)
    np.testing.assert_allclose(db32, db64, rtol=0, atol=1e-3)
    np.testing.assert_allclose(scale_unit(db32), scale_unit(db64), rtol=0, atol=1e-5)


def test_grouped_filterbank_equals_the_dense_product():
    """Groups of bands multiply only their bins; empty bands (too many for the FFT) stay 0."""
    x = _signal(4000)
    bank = mel_filterbank(mel_bands=64, n_fft=64, sample_rate=8000)
    assert (~bank.any(axis=0)).any()
    power = power_spectrogram(x, nperseg=64, noverlap=32)
    np.testing.assert_allclose(power_spectrogram(x, nperseg=64, noverlap=32, filterbank=bank), power @ bank,
                               rtol=1e-12, atol=1e-15)
    dense = np.random.default_rng(0).random((33, 5))  # not banded: one group spans every bin
    np.testing.assert_allclose(power_spectrogram(x, nperseg=64, noverlap=32, filterbank=dense), power @ dense,
                               rtol=1e-12)
