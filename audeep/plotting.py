"""Plots as PNG files (matplotlib, Agg backend: never a GUI window).

Each plot function takes its data and an output path, writes the PNG atomically and
returns the path.  matplotlib is imported lazily, inside :func:`new_figure`.
"""

from __future__ import annotations

import os
from pathlib import Path

from audeep._atomic import atomic_path
from audeep.errors import ParameterError

__all__ = ["new_figure", "save_figure", "plot_spectrogram", "plot_confusion_matrix", "plot_tsne", "plot_loss_curve"]


def new_figure(*, nrows: int = 1, ncols: int = 1, figsize=(8, 5)):
    """A new matplotlib figure and axes on the Agg backend.

    Returns
    -------
    (matplotlib.figure.Figure, axes)
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols)
    return fig, axes


def save_figure(fig, path: "str | os.PathLike", *, dpi: int = 100) -> Path:
    """Save ``fig`` as a PNG at ``path`` atomically (temporary file + rename)."""
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return Path(path)


def plot_confusion_matrix(matrix, *, class_names, path: "str | os.PathLike", normalise: bool = True,
                          title: str = "Confusion matrix") -> Path:
    """Plot a confusion matrix as a PNG heat map with the value in every cell.

    Parameters
    ----------
    matrix : array-like, shape (n_classes, n_classes)
        Counts; rows = true class, columns = predicted class.
    class_names : sequence of str, length n_classes
    path : path-like
        The PNG file to write (atomically).
    normalise : bool, default True
        Divide every row by its sum (a row without instances stays 0).
    title : str

    Returns
    -------
    pathlib.Path
    """
    import numpy as np

    counts = np.asarray(matrix, dtype=np.float64)
    n = len(class_names)
    if counts.shape != (n, n):
        raise ParameterError(f"confusion matrix of shape {counts.shape} for {n} class names: expected ({n}, {n})")
    values = counts
    if normalise:
        totals = counts.sum(axis=1, keepdims=True)
        values = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    size = max(4.0, 0.6 * n + 2.5)
    fig, ax = new_figure(figsize=(size + 1.0, size))
    image = ax.imshow(values, cmap="Blues", vmin=0.0, vmax=1.0 if normalise else max(1.0, values.max()))
    fig.colorbar(image, ax=ax)
    ax.set_xticks(range(n), labels=list(class_names), rotation=45, ha="right")
    ax.set_yticks(range(n), labels=list(class_names))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    if n <= 30:
        threshold = 0.5 * (1.0 if normalise else max(1.0, values.max()))
        for i in range(n):
            for j in range(n):
                text = f"{values[i, j]:.2f}" if normalise else f"{int(values[i, j])}"
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if values[i, j] > threshold else "black")
    return save_figure(fig, path)


def plot_spectrogram(spectrogram, path: "str | os.PathLike", *, title: str = "",
                     frame_step: "float | None" = None, freq_label: str = "frequency bin") -> Path:
    """A spectrogram (dB) and the histogram of its amplitudes, side by side, as a PNG.

    Parameters
    ----------
    spectrogram : array-like, shape (frames, bins)
        Time-major values in dB.
    path : path-like
        The PNG to write (atomically).
    title : str
        Figure title (e.g. the file name).
    frame_step : float, optional
        Seconds between frames; the time axis is in seconds when given, else frames.
    freq_label : str
        Label of the frequency axis.

    Returns
    -------
    pathlib.Path
    """
    import numpy as np

    spec = np.asarray(spectrogram, dtype=np.float64)
    fig, (left, right) = new_figure(ncols=2, figsize=(11, 4.5))
    extent_t = spec.shape[0] * frame_step if frame_step else spec.shape[0]
    image = left.imshow(spec.T, origin="lower", aspect="auto", cmap="magma",
                        extent=(0, extent_t, 0, spec.shape[1]))
    left.set_xlabel("time (s)" if frame_step else "frame")
    left.set_ylabel(freq_label)
    left.set_title("spectrogram")
    fig.colorbar(image, ax=left, label="dB")
    right.hist(spec.ravel(), bins=100, color="tab:blue")
    right.set_xlabel("amplitude (dB)")
    right.set_ylabel("count")
    right.set_title("amplitude histogram")
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)


def plot_tsne(embedding, labels, path: "str | os.PathLike", *, title: "str | None" = None) -> Path:
    """Scatter plot of a 2-D embedding, one colour per nominal label, with a legend.

    Parameters
    ----------
    embedding : array-like, shape (n_instances, 2)
    labels : sequence of str or None, length n_instances
        Nominal labels; ``None`` is drawn as "unlabelled".
    path : path-like
        The PNG file to write.
    title : str, optional
    """
    import numpy as np

    points = np.asarray(embedding, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ParameterError(f"embedding of shape {points.shape}: expected (n_instances, 2)")
    names = np.array(["unlabelled" if v is None else str(v) for v in labels], dtype=object)
    if names.size != points.shape[0]:
        raise ParameterError(f"{names.size} labels for {points.shape[0]} points")
    fig, ax = new_figure(figsize=(8, 7))
    classes = sorted(set(names.tolist()))
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if len(classes) <= 10 else "tab20"]
    for k, name in enumerate(classes):
        mask = names == name
        ax.scatter(points[mask, 0], points[mask, 1], s=12, color=cmap(k % cmap.N), label=name)
    ax.legend(loc="best", fontsize="small", markerscale=1.5, title="label")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or "t-SNE")
    return save_figure(fig, path)


def plot_loss_curve(epochs, losses, path: "str | os.PathLike", *, title: str = "training loss") -> Path:
    """Plot a training loss curve (loss per epoch) to a PNG file.

    Parameters
    ----------
    epochs : sequence of int, length n
    losses : sequence of float, length n
    path : path-like
        The PNG file (written atomically).

    Returns
    -------
    pathlib.Path
    """
    if len(epochs) != len(losses):
        raise ParameterError(f"{len(epochs)} epochs for {len(losses)} loss values")
    fig, ax = new_figure(figsize=(6, 4))
    ax.plot(list(epochs), list(losses), marker="o" if len(losses) < 30 else None)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (RMSE)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return save_figure(fig, path)
