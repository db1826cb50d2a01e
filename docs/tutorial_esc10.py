"""The ESC-10 tutorial (docs/tutorial.md) in Python, through ``import audeep``.

Run it on ESC-10 with the paper's settings::

    python docs/tutorial_esc10.py --basedir esc-10 --workdir esc10-work

or on any folder a parser reads; ``tests/test_api.py`` runs it on a small synthetic data set
with small settings.  Every step is one call of the public API; the command line runs the
same functions.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import audeep
from audeep.preprocessing.extract import describe_raw, pretend_spectrogram
from audeep.plotting import plot_spectrogram

#: The settings of the paper's ESC-10 experiment (one t-RAE at -60 dB).
PAPER = dict(window_width=0.08, window_overlap=0.04, mel_bands=128, fixed_length=5.0, clip_below=-60.0,
             num_layers=2, num_units=256, num_epochs=64, batch_size=64, mlp_epochs=400)


def run_tutorial(basedir, workdir, *, window_width: float = 0.08, window_overlap: float = 0.04,
                 mel_bands: int = 128, fixed_length: "float | None" = 5.0, clip_below: float = -60.0,
                 num_layers: int = 2, num_units: int = 256, num_epochs: int = 64, batch_size: int = 64,
                 mlp_epochs: int = 400, svm_complexity: float = 0.01, jobs: "int | None" = None,
                 seed: int = 42, echo=print) -> dict:
    """Inspect, preprocess, train, generate, evaluate and export, as in docs/tutorial.md.

    Parameters
    ----------
    basedir : path-like
        The audio collection (ESC-10, or any folder a parser reads).
    workdir : path-like
        Where the outputs go (created).
    window_width, window_overlap, mel_bands, fixed_length, clip_below
        Spectrogram settings (``audeep preprocess``).
    num_layers, num_units, num_epochs, batch_size
        t-RAE settings (``audeep t-rae train``); the decoder is bidirectional.
    mlp_epochs : int
        Full-batch Adam steps of the MLP (``audeep mlp evaluate --num-epochs``).
    svm_complexity : float
        C of the linear SVM (``audeep svm evaluate --complexity``).
    jobs : int, optional
        Worker processes for the spectrograms.
    seed : int
    echo : callable
        Receives one line per step.

    Returns
    -------
    dict
        ``raw`` (the inspect-raw summary), ``spectrograms`` and ``features`` (DataSet,
        shapes (n, time, freq) and (n, representation)), ``run_dir``, ``mlp`` and ``svm``
        (EvaluationResults), ``arff`` (the export folder), ``plots`` (PNG paths).
    """
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    spectrogram_options = dict(window_width=window_width, window_overlap=window_overlap, mel_bands=mel_bands,
                               fixed_length=fixed_length, center_fixed=fixed_length is not None,
                               clip_below=clip_below)

    # 1. inspect the raw audio (audeep inspect raw)
    raw = describe_raw(basedir)
    echo(f"1. {raw['files']} files, {raw['labels']} labels, {raw['folds']} folds ({raw['parser']} parser)")

    # 2. one file's dB spectrogram (audeep preprocess --pretend 0 --plot pretend.png)
    instance, db = pretend_spectrogram(basedir, 0, **spectrogram_options)
    plots = {"pretend": plot_spectrogram(db, work / "pretend.png", title=instance.filename,
                                         frame_step=window_width - window_overlap, freq_label="mel band")}
    echo(f"2. {instance.filename}: {db.shape[0]} frames x {db.shape[1]} bands, {db.min():.0f} to {db.max():.0f} dB")

    # 3. every file's spectrogram (audeep preprocess --output esc10.nc; audeep validate)
    spectrograms = audeep.extract_spectrograms(basedir, output=work / "esc10.nc", jobs=jobs, progress=False,
                                               **spectrogram_options)
    problems = spectrograms.validate()
    if problems:
        raise audeep.DataSetError(f"{work / 'esc10.nc'}: {problems[0].message}")
    echo(f"3. {spectrograms}")

    # 4. train the t-RAE (audeep t-rae train --run-name ...)
    autoencoder = audeep.TimeAutoencoder(num_layers=num_layers, num_units=num_units, bidirectional_decoder=True,
                                         num_epochs=num_epochs, batch_size=batch_size, seed=seed)
    autoencoder.fit(spectrograms, run_dir=work / "run")
    losses = [row["loss"] for row in autoencoder.history_]
    echo(f"4. t-RAE trained for {len(losses)} epochs: RMSE {losses[0]:.3f} -> {losses[-1]:.3f}")

    # 5. the learned features (audeep t-rae generate --output features.nc)
    features = autoencoder.transform(spectrograms)
    features.save(work / "features.nc")
    echo(f"5. {features}")

    # 6. evaluate (audeep mlp evaluate --cross-validate; audeep svm evaluate --complexity 0.01)
    mlp = audeep.evaluate(features, learner=audeep.MLPClassifier(num_epochs=mlp_epochs), cross_validate=True,
                          seed=seed)
    svm = audeep.evaluate(features, learner=audeep.LinearSVM(complexity=svm_complexity), cross_validate=True,
                          seed=seed)
    plots["confusion"] = audeep.plot_confusion_matrix(mlp.confusion_matrix, class_names=mlp.class_names,
                                                      path=work / "confusion.png")
    echo(f"6. MLP: accuracy {mlp.accuracy:.3f} +- {mlp.accuracy_2std:.3f}, UAR {mlp.uar:.3f}; "
         f"SVM: accuracy {svm.accuracy:.3f}, UAR {svm.uar:.3f}")

    # 7. export (audeep export --format ARFF --labels-last)
    arff = audeep.export(features, work / "arff", format="arff", labels_last=True)
    echo(f"7. ARFF files in {arff}")
    spectrograms.close()
    return dict(raw=raw, spectrograms=spectrograms, features=features, run_dir=work / "run", mlp=mlp, svm=svm,
                arff=arff, plots=plots)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="The ESC-10 tutorial in Python (the paper's settings).")
    parser.add_argument("--basedir", type=Path, required=True, help="the ESC-10 folder")
    parser.add_argument("--workdir", type=Path, default=Path("esc10-work"), help="output folder")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes for the spectrograms")
    args = parser.parse_args(argv)
    run_tutorial(args.basedir, args.workdir, jobs=args.jobs, **PAPER)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
