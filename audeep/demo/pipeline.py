"""The whole pipeline on the synthetic data set, for ``audeep demo``.

:func:`run_demo` runs the real pipeline on the collection of
:func:`audeep.demo.synthetic.make_demo_dataset` through the same library calls as the
command line: spectrograms, t-RAE training, feature generation, cross-validated MLP
evaluation and ARFF export, one function per step, each printing one summary line.
:func:`demo_settings` holds the sizes of a full and a quick run; :class:`DemoResult`
what a run produced.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audeep.demo.synthetic import make_demo_dataset
from audeep.errors import ParameterError

__all__ = ["DemoResult", "DemoSettings", "demo_settings", "run_demo"]


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
    common = {"seconds": 2.0, "sample_rate": 16000, "window_width": 0.05, "window_overlap": 0.025, "mel_bands": 40,
              "clip_below": -60.0, "num_layers": 1, "bidirectional_decoder": True}
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
        raise ParameterError(f"output_dir {output_dir}: exists and is not a folder", parameter="output_dir")
    if output_dir.is_dir() and any(output_dir.iterdir()):
        if not (output_dir / _MARKER).exists():
            raise ParameterError(f"output_dir {output_dir}: the folder exists and is not empty; "
                                 "name a new folder (or one an earlier demo wrote)", parameter="output_dir")
        for name in _OUTPUTS:  # an earlier demo's outputs: replaced
            target = output_dir / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / _MARKER).write_text("written by `audeep demo`; a later demo run replaces this folder's outputs\n",
                                      encoding="utf-8")


class _Run:
    """What the steps of one demo run share: settings, output paths, plots, timings and the echo.

    Parameters
    ----------
    out : pathlib.Path
        The output folder (prepared).
    cfg : DemoSettings
    say : callable
        Receives one line of text per step.
    """

    def __init__(self, out: Path, cfg: DemoSettings, say: Callable[[str], None]):
        self.out, self.cfg, self.say = out, cfg, say
        self.paths = {name: out / name for name in _OUTPUTS}
        self.plots: dict = {}
        self.seconds: dict = {}
        self.start = self._t0 = time.perf_counter()

    def done(self, name: str) -> None:
        """Record the wall time of step ``name`` (since the previous step ended)."""
        self.seconds[name] = time.perf_counter() - self._t0
        self._t0 = time.perf_counter()


def _spectrogram_options(cfg: DemoSettings) -> dict:
    return {"window_width": cfg.window_width, "window_overlap": cfg.window_overlap, "mel_bands": cfg.mel_bands,
            "clip_below": cfg.clip_below}


def _data_step(run: _Run, seed: int):
    """[1/6] the synthetic collection (ESC layout, 5 folds); returns its :class:`SyntheticCollection`."""
    cfg, paths = run.cfg, run.paths
    collection = make_demo_dataset(paths["audio"], num_classes=cfg.num_classes,
                                   clips_per_class=cfg.clips_per_class, seconds=cfg.seconds,
                                   sample_rate=cfg.sample_rate, seed=seed, layout="esc")
    run.done("data")
    run.say(f"[1/6] data: {len(collection)} synthetic clips of {cfg.seconds:g} s at {cfg.sample_rate} Hz, "
            f"{cfg.num_classes} classes ({', '.join(collection.class_names)}), 5 folds, ESC layout "
            f"-> {paths['audio']} ({run.seconds['data']:.1f} s)")
    return collection


def _preprocess_step(run: _Run, collection, jobs: int | None) -> None:
    """[2/6] mel spectrograms of every clip, and a plot of one clip's dB spectrogram."""
    from audeep import plot_spectrogram
    from audeep.preprocessing.extract import pretend_spectrogram, run_extraction

    cfg, paths = run.cfg, run.paths
    extraction = run_extraction(paths["audio"], output=paths["spectrograms.nc"], jobs=jobs, progress=False,
                                command="demo", **_spectrogram_options(cfg))
    with extraction.dataset as spectrograms:
        shape = spectrograms.feature_shape
        num_instances = spectrograms.num_instances
    # one clip of the second class (a rising chirp) shows the spectrogram chain best
    example = min(cfg.clips_per_class, len(collection) - 1)
    inst, db = pretend_spectrogram(paths["audio"], example, **_spectrogram_options(cfg))
    run.plots["spectrogram"] = plot_spectrogram(db, run.out / "plots" / "spectrogram.png",
                                                title=f"{inst.label}: {inst.filename}",
                                                frame_step=cfg.window_width - cfg.window_overlap,
                                                freq_label="mel band")
    run.done("preprocess")
    run.say(f"[2/6] preprocess ({extraction.parser} parser): {num_instances} spectrograms of "
            f"{shape[0]} frames x {shape[1]} mel bands, clipped below {cfg.clip_below:g} dB, scaled to [-1, 1] "
            f"-> {paths['spectrograms.nc']} ({run.seconds['preprocess']:.1f} s)")


def _train_step(run: _Run, seed: int) -> dict:
    """[3/6] a small t-RAE, and its loss curve; returns its architecture."""
    from audeep import plot_loss_curve, train_autoencoder

    cfg, paths = run.cfg, run.paths
    architecture = {"num_layers": cfg.num_layers, "num_units": cfg.num_units,
                    "bidirectional_decoder": cfg.bidirectional_decoder}
    training = train_autoencoder(kind="t-rae", inputs=[paths["spectrograms.nc"]], run_dir=paths["run"],
                                 architecture=architecture, num_epochs=cfg.num_epochs,
                                 batch_size=cfg.batch_size, seed=seed, progress=False)
    history = training.history
    run.plots["loss"] = plot_loss_curve([r["epoch"] for r in history], [r["loss"] for r in history],
                                        run.out / "plots" / "loss.png", title="t-RAE training loss (RMSE)")
    run.done("train")
    run.say(f"[3/6] t-rae train: {cfg.num_layers} x {cfg.num_units} GRU, bidirectional decoder, "
            f"{cfg.num_epochs} epochs: RMSE {history[0]['loss']:.3f} -> {history[-1]['loss']:.3f} "
            f"-> {paths['run']} ({run.seconds['train']:.1f} s)")
    return architecture


def _generate_step(run: _Run, architecture: dict):
    """[4/6] the learned features; returns them as an open :class:`~audeep.dataset.DataSet`."""
    from audeep import DataSet, generate_features

    paths = run.paths
    generate_features(run_dir=paths["run"], input=paths["spectrograms.nc"], outputs=[paths["features.nc"]],
                      kind="t-rae", provenance={"command": "demo", "parameters": architecture})
    features = DataSet.open(paths["features.nc"])
    run.done("generate")
    run.say(f"[4/6] t-rae generate: {features.num_instances} feature vectors of {features.feature_shape[0]} "
            f"values -> {paths['features.nc']} ({run.seconds['generate']:.1f} s)")
    return features


def _evaluate_step(run: _Run, features, seed: int) -> tuple:
    """[5/6] the MLP over the 5 folds, and the confusion matrix; returns the results and chance accuracy."""
    from audeep import plot_confusion_matrix
    from audeep.evaluation import MLPClassifier, evaluate

    cfg = run.cfg
    results = evaluate(features, learner=MLPClassifier(num_epochs=cfg.mlp_epochs), cross_validate=True,
                       seed=seed)
    run.plots["confusion"] = plot_confusion_matrix(results.confusion_matrix, class_names=results.class_names,
                                                   path=run.out / "plots" / "confusion.png",
                                                   title="MLP on t-RAE features (5-fold CV)")
    run.done("evaluate")
    chance = 1.0 / len(results.class_names)
    run.say(f"[5/6] mlp evaluate --cross-validate: 2 x 150 MLP, {cfg.mlp_epochs} epochs, "
            f"5 folds ({run.seconds['evaluate']:.1f} s)")
    for fold in results.folds:
        run.say(f"      fold {fold.fold}: accuracy {fold.accuracy:.3f}  UAR {fold.uar:.3f}  "
                f"({fold.num_eval} clips)")
    run.say(f"      mean:   accuracy {results.accuracy:.3f} +- {results.accuracy_2std:.3f}  "
            f"UAR {results.uar:.3f} +- {results.uar_2std:.3f}  (+- 2 std over folds; chance {chance:.3f})")
    return results, chance


def _report_export(run: _Run) -> None:
    """[6/6] the line about the ARFF files written."""
    export_dir = run.paths["export"]
    written = sorted(str(p.relative_to(export_dir)) for p in export_dir.rglob("*.arff"))
    run.say(f"[6/6] export --format ARFF: {len(written)} files ({', '.join(written[:2])}, ...) "
            f"-> {export_dir} ({run.seconds['export']:.1f} s)")


def run_demo(output_dir: str | os.PathLike = "audeep-demo", *, quick: bool = False, seed: int = 0,
             jobs: int | None = None, echo: Callable[[str], None] | None = print) -> DemoResult:
    """Run the whole pipeline on a synthetic data set, through the library calls of the CLI.

    1. write the synthetic collection (:func:`make_demo_dataset`, ESC layout, 5 folds);
    2. ``preprocess``: mel spectrograms (:func:`audeep.preprocessing.extract.run_extraction`),
       and a plot of one clip's dB spectrogram;
    3. ``t-rae train``: a small time-recurrent autoencoder (:func:`audeep.train_autoencoder`),
       and its loss curve;
    4. ``t-rae generate``: the learned features (:func:`audeep.generate_features`);
    5. ``mlp evaluate --cross-validate``: the MLP over the 5 folds
       (:func:`audeep.evaluation.evaluate`), and the confusion matrix;
    6. ``export --format ARFF``: one ARFF file per fold (:func:`audeep.export`).

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
    from audeep import export

    say = echo if echo is not None else (lambda line: None)
    cfg = demo_settings(quick=quick)
    out = Path(output_dir)
    _prepare_output(out)
    run = _Run(out, cfg, say)
    (out / "plots").mkdir()
    say(f"audeep demo ({'quick' if quick else 'full'}): output in {out}")
    collection = _data_step(run, seed)
    _preprocess_step(run, collection, jobs)
    architecture = _train_step(run, seed)
    features = _generate_step(run, architecture)
    with features:
        results, chance = _evaluate_step(run, features, seed)
        export(features, run.paths["export"], format="arff", name="features", labels_last=True)
    run.done("export")
    _report_export(run)
    total = time.perf_counter() - run.start
    run.seconds["total"] = total
    say(f"plots: {', '.join(str(p) for p in run.plots.values())}")
    say(f"done in {total:.0f} s: mean accuracy {results.accuracy:.1%} over 5 folds, chance {chance:.1%}")
    paths = run.paths
    return DemoResult(output_dir=out, audio_dir=paths["audio"], spectrograms=paths["spectrograms.nc"],
                      run_dir=paths["run"], features=paths["features.nc"], export_dir=paths["export"],
                      plots=run.plots, results=results, chance=chance, seconds=run.seconds, settings=cfg)
