"""The spectrogram's real FFT: scipy.fft.rfft's values bit for bit, without importing scipy.fft."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.fft

from audeep.preprocessing.fft import rfft_rows


@pytest.mark.parametrize(("dtype", "shape"), [(np.float32, (124, 3528)), (np.float64, (7, 1024)),
                                              (np.float32, (3, 1103)), (np.float32, (0, 64))])
def test_rfft_rows_equals_scipy_bit_for_bit(dtype, shape):
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    ours = rfft_rows(x.copy())
    assert ours.dtype == scipy.fft.rfft(x, axis=1).dtype
    np.testing.assert_array_equal(ours, scipy.fft.rfft(x, axis=1))


def test_spectrogram_does_not_import_scipy_fft():
    code = ("import sys, numpy as np\n"
            "from audeep.preprocessing.spectrogram import db_spectrogram\n"
            "db_spectrogram(np.sin(np.arange(8000, dtype=np.float32)), sample_rate=16000, window_width=0.04,\n"
            "               window_overlap=0.02, mel_bands=32)\n"
            "print('scipy.fft' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_the_extension_scipy_fft_gives_the_same_values(monkeypatch):
    from audeep.preprocessing import fft

    x = np.random.default_rng(4).standard_normal((5, 3528)).astype(np.float32)
    direct = rfft_rows(x.copy())
    monkeypatch.setattr(fft, "_pocketfft", lambda: None)  # another scipy layout
    np.testing.assert_array_equal(fft.rfft_rows(x.copy()), direct)


def test_an_extension_with_another_signature_is_not_used():
    from audeep.preprocessing import fft

    class Changed:  # a scipy release whose private r2c takes other arguments or means something else
        @staticmethod
        def r2c(x, axes, forward, norm, out, workers):
            return np.fft.rfft(x, axis=1) * 2

    class Broken:
        @staticmethod
        def r2c(x, axes):
            return np.fft.rfft(x, axis=1)

    assert not fft._agrees(Changed) and not fft._agrees(Broken)
    assert fft._agrees(fft._pocketfft()) or fft._pocketfft() is None
