"""The embedded synthetic audio data set: sound events, clips and the collection on disk.

:func:`make_demo_dataset` writes a small labelled collection of WAV files (up to six
classes of synthetic sound events: steady tones, rising and falling chirps, noise
bursts, click trains and amplitude-modulated noise) with random onsets, durations,
levels and background noise, in one of the folder layouts the parsers read.  It is
deterministic given its seed and takes well under a second for the default size, so
the tests use it too.  :func:`synthesize_clip` makes one clip, shape (samples,).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from audeep.errors import ParameterError

__all__ = ["DEMO_CLASSES", "LAYOUTS", "NUM_FOLDS", "SyntheticCollection", "make_demo_dataset", "synthesize_clip"]

#: The classes of the synthetic data set, in label order (ESC folder numbers 001..006).
DEMO_CLASSES = ("Tone", "Chirp up", "Chirp down", "Noise burst", "Click train", "AM noise")

#: Folder layouts :func:`make_demo_dataset` can write.
LAYOUTS = ("esc", "esc50", "cross_validated")

NUM_FOLDS = 5


@dataclass
class SyntheticCollection:
    """What :func:`make_demo_dataset` wrote.

    Attributes
    ----------
    folder : pathlib.Path
        The data set root (the ``--basedir`` of ``audeep preprocess``).
    files : list of pathlib.Path
        Every audio file, in class order, then clip order.
    labels : list of str
        The class name of each file.
    folds : list of int
        The fold (1..5) of each file.
    class_names : list of str
        The classes, in label order.
    sample_rate : int
    """

    folder: Path
    files: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    folds: list = field(default_factory=list)
    class_names: list = field(default_factory=list)
    sample_rate: int = 16000

    def __len__(self) -> int:
        return len(self.files)


# ----------------------------------------------------------------------------------
# sound events; each returns a float signal of exactly n samples, peak about 1
# ----------------------------------------------------------------------------------

def _fade(n: int, sample_rate: int, seconds: float = 0.01) -> np.ndarray:
    """A window of n samples with raised-cosine fades in and out."""
    k = max(1, min(n // 2, int(seconds * sample_rate)))
    env = np.ones(n)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(k) / k)
    env[:k] = ramp
    env[n - k:] = ramp[::-1]
    return env


def _tone(rng, n, sr):
    f0 = rng.uniform(300.0, 1200.0)
    t = np.arange(n) / sr
    x = np.zeros(n)
    for h, weight in ((1, 1.0), (2, rng.uniform(0.2, 0.5)), (3, rng.uniform(0.05, 0.25))):
        if h * f0 < 0.45 * sr:
            x += weight * np.sin(2 * np.pi * h * f0 * t + rng.uniform(0, 2 * np.pi))
    return x * _fade(n, sr, 0.03)


def _sweep(rng, n, sr, *, rising):
    low = rng.uniform(200.0, 600.0)
    high = min(rng.uniform(2500.0, 5000.0), 0.45 * sr)
    f_start, f_end = (low, high) if rising else (high, low)
    t = np.arange(n) / sr
    duration = n / sr
    # exponential sweep: instantaneous frequency f_start * (f_end / f_start) ** (t / duration)
    rate = np.log(f_end / f_start) / duration
    phase = 2 * np.pi * f_start * (np.exp(rate * t) - 1.0) / rate
    return np.sin(phase) * _fade(n, sr, 0.02)


def _noise_bursts(rng, n, sr):
    x = np.zeros(n)
    noise = rng.normal(size=n)
    # a first difference tilts white noise towards high frequencies (a "hiss")
    hiss = np.diff(noise, prepend=0.0)
    count = int(rng.integers(2, 5))
    length = max(8, int(rng.uniform(0.06, 0.15) * sr))
    starts = np.linspace(0, max(0, n - length), count).astype(int)
    for s in starts:
        e = min(n, s + length)
        x[s:e] = hiss[s:e] * _fade(e - s, sr, 0.005)
    return x / (np.max(np.abs(x)) + 1e-12)


def _click_train(rng, n, sr):
    rate = rng.uniform(8.0, 25.0)  # clicks per second
    x = np.zeros(n)
    period = max(2, int(sr / rate))
    decay = np.exp(-np.arange(int(0.003 * sr) + 1) / (0.0006 * sr))
    click = decay * rng.choice([-1.0, 1.0], size=decay.size)
    for s in range(int(rng.integers(0, period)), n, period):
        e = min(n, s + click.size)
        x[s:e] += click[:e - s]
    return x


def _am_noise(rng, n, sr):
    noise = rng.normal(size=n)
    # a moving average keeps the noise below roughly sr / (2 * width)
    width = max(2, int(sr / 2500))
    low = np.convolve(noise, np.ones(width) / width, mode="same")
    t = np.arange(n) / sr
    mod = 0.5 * (1.0 + np.sin(2 * np.pi * rng.uniform(2.0, 6.0) * t + rng.uniform(0, 2 * np.pi)))
    x = low * mod * _fade(n, sr, 0.03)
    return x / (np.max(np.abs(x)) + 1e-12)


_EVENTS: dict[str, tuple[Callable, tuple[float, float]]] = {
    # class name: (generator, range of event duration as a fraction of the clip)
    "Tone": (_tone, (0.3, 0.7)),
    "Chirp up": (lambda rng, n, sr: _sweep(rng, n, sr, rising=True), (0.3, 0.6)),
    "Chirp down": (lambda rng, n, sr: _sweep(rng, n, sr, rising=False), (0.3, 0.6)),
    "Noise burst": (_noise_bursts, (0.3, 0.6)),
    "Click train": (_click_train, (0.4, 0.8)),
    "AM noise": (_am_noise, (0.5, 0.8)),
}


def synthesize_clip(kind: str, *, rng: np.random.Generator, seconds: float = 2.0,
                    sample_rate: int = 16000) -> np.ndarray:
    """One clip of a synthetic sound class over background noise.

    The event starts at a random onset, lasts a random fraction of the clip, and is
    scaled to a random level; faint white background noise fills the whole clip.

    Parameters
    ----------
    kind : str
        One of :data:`DEMO_CLASSES`.
    rng : numpy.random.Generator
        Source of randomness (the clip is a deterministic function of its state).
    seconds : float
        Clip length.
    sample_rate : int
        Samples per second (at least 8000).

    Returns
    -------
    numpy.ndarray, float64, shape (round(seconds * sample_rate),)
        Samples in [-1, 1].
    """
    if kind not in _EVENTS:
        raise ParameterError(f"unknown synthetic class {kind!r}: expected one of {', '.join(DEMO_CLASSES)}")
    if sample_rate < 8000:
        raise ParameterError(f"sample_rate {sample_rate}: expected at least 8000 Hz")
    if seconds <= 0.1:
        raise ParameterError(f"seconds {seconds}: expected more than 0.1 s")
    make, (lo, hi) = _EVENTS[kind]
    n = int(round(seconds * sample_rate))  # noqa: RUF046  (seconds may be a NumPy float)
    length = max(16, int(rng.uniform(lo, hi) * n))
    onset = int(rng.integers(0, n - length + 1))
    event = make(rng, length, sample_rate)
    event = event / (np.max(np.abs(event)) + 1e-12)
    level = 10.0 ** (rng.uniform(-14.0, -2.0) / 20.0)  # event peak between -14 and -2 dBFS
    background = 10.0 ** (rng.uniform(-50.0, -36.0) / 20.0)  # noise RMS between -50 and -36 dBFS
    clip = background * rng.normal(size=n)
    clip[onset:onset + length] += level * event
    return np.clip(clip, -1.0, 1.0)


# ----------------------------------------------------------------------------------
# the collection on disk
# ----------------------------------------------------------------------------------

def make_demo_dataset(folder: str | os.PathLike, *, num_classes: int = 5, clips_per_class: int = 20,
                      seconds: float = 2.0, sample_rate: int = 16000, seed: int = 0,
                      layout: str = "esc") -> SyntheticCollection:
    """Write a synthetic labelled audio data set with 5 folds as WAV files.

    Layouts (all with 5 folds; clip ``i`` of a class is in fold ``i % 5 + 1``):

    - ``"esc"``: class folders ``001 - Tone``, ``002 - Chirp up``, ... holding
      ``<fold>-<id>-A.wav`` (the ESC-10 / ESC-50 folder layout, with WAV files);
    - ``"esc50"``: the flat ESC-50 layout, ``audio/<fold>-<id>-A.wav`` plus
      ``meta/esc50.csv`` (filename, fold, target, category, esc10, src_file, take);
    - ``"cross_validated"``: ``fold_1/`` .. ``fold_5/`` with one sub-folder per class.

    Parameters
    ----------
    folder : path-like
        The data set root; created if missing.  Existing files of the same names are
        overwritten; nothing else in it is touched.
    num_classes : int
        2 to 6; the first ``num_classes`` of :data:`DEMO_CLASSES`.
    clips_per_class : int
        At least 5 (one per fold).
    seconds : float
        Length of every clip.
    sample_rate : int
        Sample rate of the WAV files (16-bit PCM, mono).
    seed : int
        The collection is a deterministic function of the parameters and the seed.
    layout : {"esc", "esc50", "cross_validated"}

    Returns
    -------
    SyntheticCollection

    Raises
    ------
    ParameterError
        On a parameter out of range or an unknown layout.
    """
    import soundfile

    if not 2 <= num_classes <= len(DEMO_CLASSES):
        raise ParameterError(f"num_classes {num_classes}: expected 2 to {len(DEMO_CLASSES)}")
    if clips_per_class < NUM_FOLDS:
        raise ParameterError(f"clips_per_class {clips_per_class}: expected at least {NUM_FOLDS} (one per fold)")
    if layout not in LAYOUTS:
        raise ParameterError(f"unknown layout {layout!r}: expected one of {', '.join(LAYOUTS)}")
    folder = Path(folder)
    classes = list(DEMO_CLASSES[:num_classes])
    out = SyntheticCollection(folder=folder, class_names=classes, sample_rate=int(sample_rate))
    meta_rows = []
    for label, name in enumerate(classes):
        # one independent stream per class, so adding classes leaves the others unchanged
        rng = np.random.default_rng([int(seed), label])
        for i in range(clips_per_class):
            fold = i % NUM_FOLDS + 1
            stem = f"{fold}-{(label + 1) * 1000 + i}-A"
            if layout == "esc":
                path = folder / f"{label + 1:03d} - {name}" / f"{stem}.wav"
            elif layout == "esc50":
                path = folder / "audio" / f"{stem}.wav"
            else:
                path = folder / f"fold_{fold}" / name.lower().replace(" ", "_") / f"{stem}.wav"
            signal = synthesize_clip(name, rng=rng, seconds=seconds, sample_rate=sample_rate)
            path.parent.mkdir(parents=True, exist_ok=True)
            soundfile.write(str(path), signal, int(sample_rate), subtype="PCM_16")
            out.files.append(path)
            out.labels.append(name)
            out.folds.append(fold)
            meta_rows.append((path.name, fold, label, name.lower().replace(" ", "_"), "False", stem.split("-")[1], "A"))
    if layout == "esc50":
        meta = folder / "meta"
        meta.mkdir(parents=True, exist_ok=True)
        with open(meta / "esc50.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(("filename", "fold", "target", "category", "esc10", "src_file", "take"))
            writer.writerows(meta_rows)
    return out

