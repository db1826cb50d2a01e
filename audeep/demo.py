"""An embedded synthetic audio data set and the whole pipeline on it, for ``audeep demo``.

:func:`make_demo_dataset` writes a small labelled collection of WAV files (up to six
classes of synthetic sound events: steady tones, rising and falling chirps, noise
bursts, click trains and amplitude-modulated noise) with random onsets, durations,
levels and background noise, in one of the folder layouts the parsers read.  It is
deterministic given its seed and takes well under a second for the default size, so
the tests use it too.

:func:`run_demo` runs the real pipeline on such a set through the same library calls
as the command line: spectrograms, t-RAE training, feature generation, cross-validated
MLP evaluation and ARFF export.
"""

from __future__ import annotations

import csv
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from audeep.errors import ParameterError

__all__ = [
    "DEMO_CLASSES",
    "SyntheticCollection",
    "synthesize_clip",
    "make_demo_dataset",
    "DemoSettings",
    "DemoResult",
    "demo_settings",
    "run_demo",
]

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


_EVENTS: "dict[str, tuple[Callable, tuple[float, float]]]" = {
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
    n = int(round(seconds * sample_rate))
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

def make_demo_dataset(folder: "str | os.PathLike", *, num_classes: int = 5, clips_per_class: int = 20,
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


# ----------------------------------------------------------------------------------
# the whole pipeline on the synthetic set
# ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoSettings:
    """The sizes and options of one demo run (see :func:`demo_settings`)."""

    num_classes: int
    clips_per_class: int
    seconds: float
    sample_rate: int
    window_width: float
    window_overlap: float
    mel_bands: int
    clip_below: float
    num_layers: int
    num_units: int
    bidirectional_decoder: bool
    num_epochs: int
    batch_size: int
    mlp_epochs: int


def demo_settings(*, quick: bool = False) -> DemoSettings:
    """The demo's settings: the full run (about a minute on 2 idle cores), or a quick one.

    Parameters
    ----------
    quick : bool
        Fewer classes, clips, units and epochs: for tests and a first look (seconds).

    Returns
    -------
    DemoSettings
    """
    common = dict(seconds=2.0, sample_rate=16000, window_width=0.05, window_overlap=0.025, mel_bands=40,
                  clip_below=-60.0, num_layers=1, bidirectional_decoder=True)
    if quick:
        return DemoSettings(num_classes=4, clips_per_class=10, num_units=32, num_epochs=10, batch_size=8,
                            mlp_epochs=200, **common)
    return DemoSettings(num_classes=6, clips_per_class=20, num_units=96, num_epochs=30, batch_size=16,
                        mlp_epochs=400, **common)


@dataclass
class DemoResult:
    """What :func:`run_demo` produced.

    Attributes
    ----------
    output_dir : pathlib.Path
    audio_dir, spectrograms, run_dir, features, export_dir : pathlib.Path
        The synthetic WAV collection, the spectrogram data set, the t-RAE run directory,
        the learned-feature data set and the ARFF export folder.
    plots : dict of str -> pathlib.Path
        ``spectrogram``, ``loss`` and ``confusion`` PNG files.
    results : audeep.evaluation.EvaluationResults
        The cross-validated MLP scores (per fold, mean, confusion matrix).
    chance : float
        Accuracy of guessing (1 / number of classes; the classes are balanced).
    seconds : dict of str -> float
        Wall time of every step.
    settings : DemoSettings
    """

    output_dir: Path
    audio_dir: Path
    spectrograms: Path
    run_dir: Path
    features: Path
    export_dir: Path
    plots: dict
    results: object
    chance: float
    seconds: dict
    settings: DemoSettings

    @property
    def accuracy(self) -> float:
        """Mean accuracy over the folds."""
        return self.results.accuracy


#: Marks a folder written by :func:`run_demo`, which a later run may clear and reuse.
_MARKER = ".audeep-demo"
_OUTPUTS = ("audio", "spectrograms.nc", "run", "features.nc", "export", "plots")


def _prepare_output(output_dir: Path) -> None:
    if output_dir.exists() and not output_dir.is_dir():
        raise ParameterError(f"--output {output_dir}: exists and is not a folder")
    if output_dir.is_dir() and any(output_dir.iterdir()):
        if not (output_dir / _MARKER).exists():
            raise ParameterError(f"--output {output_dir}: the folder exists and is not empty; "
                                 "name a new folder (or one an earlier demo wrote)")
        for name in _OUTPUTS:  # an earlier demo's outputs: replaced
            target = output_dir / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / _MARKER).write_text("written by `audeep demo`; a later demo run replaces this folder's outputs\n",
                                      encoding="utf-8")


def run_demo(output_dir: "str | os.PathLike" = "audeep-demo", *, quick: bool = False, seed: int = 0,
             jobs: "int | None" = None, echo: "Callable[[str], None] | None" = print) -> DemoResult:
    """Run the whole pipeline on a synthetic data set, through the library calls of the CLI.

    1. write the synthetic collection (:func:`make_demo_dataset`, ESC layout, 5 folds);
    2. ``preprocess``: mel spectrograms (:func:`audeep.extract.run_extraction`), and a
       plot of one clip's dB spectrogram;
    3. ``t-rae train``: a small time-recurrent autoencoder
       (:func:`audeep.training.train_autoencoder`), and its loss curve;
    4. ``t-rae generate``: the learned features (:func:`audeep.generate.generate_features`);
    5. ``mlp evaluate --cross-validate``: the MLP over the 5 folds
       (:func:`audeep.evaluation.evaluate`), and the confusion matrix;
    6. ``export --format ARFF``: one ARFF file per fold (:func:`audeep.export.export`).

    Parameters
    ----------
    output_dir : path-like
        Where everything goes; created.  A folder written by an earlier demo is
        reused (its outputs replaced); any other non-empty folder is refused.
    quick : bool
        The smaller settings of :func:`demo_settings` (for tests).
    seed : int
        Seeds the data, the autoencoder and the MLP.
    jobs : int, optional
        Worker processes for the spectrograms (default: all cores).
    echo : callable, optional
        Receives one line of text per step (default :func:`print`; None: silent).

    Returns
    -------
    DemoResult

    Raises
    ------
    ParameterError
        If ``output_dir`` is a file or a non-empty folder that no demo wrote.
    """
    from audeep.dataset import DataSet
    from audeep.evaluation import MLPClassifier, evaluate
    from audeep.export import export
    from audeep.extract import pretend_spectrogram, run_extraction
    from audeep.generate import generate_features
    from audeep.plotting import plot_confusion_matrix, plot_loss_curve, plot_spectrogram
    from audeep.training import train_autoencoder

    say = echo if echo is not None else (lambda line: None)
    cfg = demo_settings(quick=quick)
    out = Path(output_dir)
    _prepare_output(out)
    paths = {name: out / name for name in _OUTPUTS}
    (out / "plots").mkdir()
    seconds = {}
    start = time.perf_counter()

    def step(name):
        seconds[name] = time.perf_counter() - step.t0
        step.t0 = time.perf_counter()

    step.t0 = start
    say(f"audeep demo ({'quick' if quick else 'full'}): output in {out}")

    collection = make_demo_dataset(paths["audio"], num_classes=cfg.num_classes,
                                   clips_per_class=cfg.clips_per_class, seconds=cfg.seconds,
                                   sample_rate=cfg.sample_rate, seed=seed, layout="esc")
    step("data")
    say(f"[1/6] data: {len(collection)} synthetic clips of {cfg.seconds:g} s at {cfg.sample_rate} Hz, "
        f"{cfg.num_classes} classes ({', '.join(collection.class_names)}), 5 folds, ESC layout "
        f"-> {paths['audio']} ({seconds['data']:.1f} s)")

    spectrogram_options = dict(window_width=cfg.window_width, window_overlap=cfg.window_overlap,
                               mel_bands=cfg.mel_bands, clip_below=cfg.clip_below)
    extraction = run_extraction(paths["audio"], output=paths["spectrograms.nc"], jobs=jobs, progress=False,
                                command="demo", **spectrogram_options)
    with extraction.dataset as spectrograms:
        shape = spectrograms.feature_shape
        num_instances = spectrograms.num_instances
    # one clip of the second class (a rising chirp) shows the spectrogram chain best
    example = min(cfg.clips_per_class, len(collection) - 1)
    inst, db = pretend_spectrogram(paths["audio"], example, **spectrogram_options)
    plots = {"spectrogram": plot_spectrogram(db, out / "plots" / "spectrogram.png",
                                             title=f"{inst.label}: {inst.filename}",
                                             frame_step=cfg.window_width - cfg.window_overlap,
                                             freq_label="mel band")}
    step("preprocess")
    say(f"[2/6] preprocess ({extraction.parser} parser): {num_instances} spectrograms of "
        f"{shape[0]} frames x {shape[1]} mel bands, clipped below {cfg.clip_below:g} dB, scaled to [-1, 1] "
        f"-> {paths['spectrograms.nc']} ({seconds['preprocess']:.1f} s)")

    architecture = dict(num_layers=cfg.num_layers, num_units=cfg.num_units,
                        bidirectional_decoder=cfg.bidirectional_decoder)
    training = train_autoencoder(kind="t-rae", inputs=[paths["spectrograms.nc"]], run_dir=paths["run"],
                                 architecture=architecture, num_epochs=cfg.num_epochs,
                                 batch_size=cfg.batch_size, seed=seed, progress=False)
    history = training.history
    plots["loss"] = plot_loss_curve([r["epoch"] for r in history], [r["loss"] for r in history],
                                    out / "plots" / "loss.png", title="t-RAE training loss (RMSE)")
    step("train")
    say(f"[3/6] t-rae train: {cfg.num_layers} x {cfg.num_units} GRU, bidirectional decoder, "
        f"{cfg.num_epochs} epochs: RMSE {history[0]['loss']:.3f} -> {history[-1]['loss']:.3f} "
        f"-> {paths['run']} ({seconds['train']:.1f} s)")

    generate_features(model_dir=paths["run"], input=paths["spectrograms.nc"], outputs=[paths["features.nc"]],
                      kind="t-rae", provenance={"command": "demo", "parameters": architecture})
    features = DataSet.open(paths["features.nc"])
    step("generate")
    say(f"[4/6] t-rae generate: {features.num_instances} feature vectors of {features.feature_shape[0]} "
        f"values -> {paths['features.nc']} ({seconds['generate']:.1f} s)")

    with features:
        results = evaluate(features, learner=MLPClassifier(num_epochs=cfg.mlp_epochs), cross_validate=True,
                           seed=seed)
        plots["confusion"] = plot_confusion_matrix(results.confusion_matrix, class_names=results.class_names,
                                                   path=out / "plots" / "confusion.png",
                                                   title="MLP on t-RAE features (5-fold CV)")
        step("evaluate")
        chance = 1.0 / len(results.class_names)
        say(f"[5/6] mlp evaluate --cross-validate: 2 x 150 MLP, {cfg.mlp_epochs} epochs, "
            f"5 folds ({seconds['evaluate']:.1f} s)")
        for fold in results.folds:
            say(f"      fold {fold.fold}: accuracy {fold.accuracy:.3f}  UAR {fold.uar:.3f}  "
                f"({fold.num_eval} clips)")
        say(f"      mean:   accuracy {results.accuracy:.3f} +- {results.accuracy_2std:.3f}  "
            f"UAR {results.uar:.3f} +- {results.uar_2std:.3f}  (chance {chance:.3f})")

        export(features, paths["export"], format="arff", name="features", labels_last=True)
    step("export")
    written = sorted(str(p.relative_to(paths["export"])) for p in paths["export"].rglob("*.arff"))
    say(f"[6/6] export --format ARFF: {len(written)} files ({', '.join(written[:2])}, ...) "
        f"-> {paths['export']} ({seconds['export']:.1f} s)")
    total = time.perf_counter() - start
    seconds["total"] = total
    say(f"plots: {', '.join(str(p) for p in plots.values())}")
    say(f"done in {total:.0f} s: mean accuracy {results.accuracy:.1%} over 5 folds, chance {chance:.1%}")
    return DemoResult(output_dir=out, audio_dir=paths["audio"], spectrograms=paths["spectrograms.nc"],
                      run_dir=paths["run"], features=paths["features.nc"], export_dir=paths["export"],
                      plots=plots, results=results, chance=chance, seconds=seconds, settings=cfg)
