"""The real FFT of spectrogram frames: scipy's pocketfft, without the import cost of :mod:`scipy.fft`.

``import scipy.fft`` also imports scipy.special and scipy's array-API layer (numpy.f2py,
numpy.testing, numpy.random): 0.1 - 0.3 s before ``audeep preprocess`` can start its workers.
The transform itself is scipy's compiled pocketfft extension, which imports nothing; it is
loaded here under its own name (so a later ``import scipy.fft`` finds the same module) and
called as :func:`scipy.fft.rfft` calls it, so the values are bit for bit those of
``scipy.fft.rfft(x, axis=1)``.  Where the extension is not where scipy keeps it (another
scipy layout), :mod:`scipy.fft` is used.
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import os
import sys

import numpy as np

__all__ = ["load_fft", "rfft_rows"]

_EXTENSION = "scipy.fft._pocketfft.pypocketfft"


@functools.lru_cache(maxsize=1)
def _pocketfft():
    """scipy's pocketfft extension module, loaded without its package; None where it cannot be."""
    if _EXTENSION in sys.modules:
        return sys.modules[_EXTENSION]
    try:
        import scipy

        folder = os.path.join(os.path.dirname(scipy.__file__), "fft", "_pocketfft")
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, "pypocketfft" + suffix)
            if os.path.isfile(path):
                spec = importlib.util.spec_from_file_location(_EXTENSION, path)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                return module if _agrees(module) else None
    except (ImportError, OSError, AttributeError):  # pragma: no cover - another scipy layout
        return None
    return None  # pragma: no cover - another scipy layout


def _agrees(module) -> bool:
    """True if ``module.r2c`` takes the arguments this module passes and gives numpy's real FFT.

    The extension is private to scipy: a release that changes its signature or meaning is
    detected here, once, and :mod:`scipy.fft` is used instead.
    """
    probe = np.arange(12, dtype=np.float64).reshape(2, 6) ** 1.5
    try:
        values = module.r2c(probe.copy(), (1,), True, 0, None, 1)
    except Exception:  # noqa: BLE001 -- any failure means: not the call we know
        return False
    return values.shape == (2, 4) and bool(np.allclose(values, np.fft.rfft(probe, axis=1)))


def load_fft() -> None:
    """Load the transform now (e.g. once, before forking worker processes)."""
    if _pocketfft() is None:  # pragma: no cover - another scipy layout
        import scipy.fft  # noqa: F401


def rfft_rows(x: np.ndarray) -> np.ndarray:
    """The real FFT of every row, as ``scipy.fft.rfft(x, axis=1)`` (one thread, unnormalised).

    Parameters
    ----------
    x : ndarray, shape (rows, n), float32 or float64, C-contiguous
        Frames; may be overwritten.

    Returns
    -------
    ndarray, shape (rows, n // 2 + 1), complex64 or complex128
    """
    pocketfft = _pocketfft()
    if pocketfft is None:  # another scipy layout
        import scipy.fft

        return scipy.fft.rfft(x, axis=1, overwrite_x=True)
    return pocketfft.r2c(x, (1,), True, 0, None, 1)  # forward, "backward" norm (0), one thread
