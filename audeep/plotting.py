"""Plots as PNG files (matplotlib, Agg backend: never a GUI window).

Each plot function takes its data and an output path, writes the PNG atomically and
returns the path.  matplotlib is imported lazily, inside :func:`new_figure`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from audeep.errors import ParameterError

__all__ = ["new_figure", "save_figure"]


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
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ParameterError(f"{path}: the folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".png", dir=folder)
    os.close(fd)
    try:
        fig.savefig(tmp, format="png", dpi=dpi)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
