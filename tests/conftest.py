"""Shared fixtures: small deterministic data sets, WAV files and an in-process CLI runner.

Each issue's tests add their own fixtures in their own modules; keep this file small.
"""

import importlib.util
import io
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")


class CliResult:
    """Exit status and captured streams of one in-process ``audeep`` run."""

    def __init__(self, status, stdout, stderr):
        self.status = status
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self):
        return f"CliResult(status={self.status}, stdout={self.stdout[-500:]!r}, stderr={self.stderr[-1500:]!r})"


def load_script(path, name: str):
    """A script of the repository (not part of the package), imported from its path as module ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_cli(*argv) -> CliResult:
    """Run ``audeep ARGV...`` in this process and capture stdout / stderr."""
    from audeep.cli.app import AudeepApp

    out, err = io.StringIO(), io.StringIO()
    app = AudeepApp(stdin=io.StringIO(), stdout=out, stderr=err)
    try:
        status = app.run([str(a) for a in argv])
    except SystemExit as exc:  # argparse errors
        status = exc.code
    return CliResult(status, out.getvalue(), err.getvalue())


def one_error(result, *words) -> str:
    """The failed command's one ``error:`` line (no traceback); it contains every one of ``words``."""
    assert result.status not in (0, None), result
    assert "Traceback" not in result.stderr, result
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result
    for word in words:
        assert str(word) in lines[0], (word, lines[0])
    return lines[0]


@pytest.fixture
def cli():
    """The in-process CLI runner: ``cli("validate", "--input", path)``."""
    return run_cli


def make_dataset(*, num_files=10, num_chunks=2, shape=(6, 4), num_folds=2, classes=("a", "b"),
                 partitions=True, seed=0):
    """A small, valid, fully labelled data set with folds, partitions and chunks."""
    from audeep.dataset import DataSet

    rng = np.random.default_rng(seed)
    n = num_files * num_chunks
    file_idx = np.repeat(np.arange(num_files), num_chunks)
    labels = [classes[i % len(classes)] for i in file_idx]
    folds = np.zeros((n, num_folds), np.int8)
    for k in range(num_folds):
        folds[:, k] = (file_idx % num_folds) == k
    parts = [("train", "devel", "test")[i % 3] for i in file_idx] if partitions else None
    return DataSet.create(
        features=rng.normal(size=(n,) + tuple(shape)).astype(np.float32),
        filenames=[f"file_{i:03d}.wav" for i in file_idx],
        chunk_nrs=np.tile(np.arange(num_chunks), num_files),
        labels_nominal=labels,
        cv_folds=folds,
        partitions=parts,
    )


@pytest.fixture
def tiny_dataset():
    """A 20-instance data set: 10 files x 2 chunks, 2 classes, 2 folds, partitions, [6, 4] features."""
    return make_dataset()


def write_wav(path, signal, sample_rate=16000, subtype="PCM_16"):
    """Write a float signal (samples,) or (samples, channels) to a WAV file."""
    import soundfile

    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    soundfile.write(path, np.asarray(signal, dtype=np.float64), sample_rate, subtype=subtype)
    return path


def tone(seconds=1.0, freq=440.0, sample_rate=16000, amplitude=0.5, channels=1, seed=0):
    """A sine tone with a little noise, shape (samples,) or (samples, channels)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    x = amplitude * np.sin(2 * np.pi * freq * t) + 0.01 * rng.normal(size=t.size)
    if channels == 1:
        return x
    return np.stack([x * (1 + 0.1 * c) for c in range(channels)], axis=1)
