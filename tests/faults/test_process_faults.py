"""Process faults (issue 19, process side): outputs over inputs, concurrent appends, stale temporaries,
full disks and file size limits, folders in the way, infinite option values.

Each test does what a user would (a command, or the library call behind it) and checks the one
``error:`` line naming the file or option, the exit status, and that inputs and older outputs
survive and no temporary is left behind.
"""

import errno
import logging
import multiprocessing
import os
import subprocess
import sys

import pytest
from conftest import make_dataset, one_error, tone, write_wav

from audeep import _atomic
from audeep.dataset import DataSet
from audeep.errors import ModelError, OutputError, ParameterError
from audeep.evaluation.results import append_results_row
from audeep.models.config import TrainingConfig
from audeep.preprocessing.options import SpectrogramOptions
from audeep.training.runs import run_lock

RATE = 8000
SPEC = ("--window-width", "0.02", "--window-overlap", "0.01", "--mel-spectrum", "8", "--jobs", "1")


@pytest.fixture
def collection(tmp_path):
    root = tmp_path / "audio"
    for i in range(4):
        write_wav(root / f"fold_{i % 2 + 1}" / "ab"[i // 2] / f"f{i}.wav", tone(0.3, sample_rate=RATE, seed=i), RATE)
    return root


@pytest.fixture
def features(tmp_path):
    path = tmp_path / "features.nc"
    make_dataset(num_files=12, num_chunks=1, shape=(6,), num_folds=2).save(path)
    return path


def left_over(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ------------------------------------------------------------------ outputs over inputs
def test_preprocess_refuses_to_write_over_an_audio_file_it_reads(cli, collection):
    wav = collection / "fold_1" / "a" / "f0.wav"
    before = wav.read_bytes()
    result = cli("preprocess", "--basedir", collection, "--output", wav, *SPEC)
    one_error(result, "--output", "f0.wav", "also read as input")
    assert wav.read_bytes() == before
    # the same file by another name, through the library
    alias = collection / "fold_2" / ".." / "fold_1" / "a" / "f0.wav"
    from audeep.preprocessing.extract import run_extraction

    with pytest.raises(ParameterError, match="output .*also read as input") as info:
        run_extraction(collection, output=alias, jobs=1, window_width=0.02, window_overlap=0.01)
    assert info.value.parameters == ("output",) and wav.read_bytes() == before
    # an output inside the collection that is no input is fine
    assert cli("preprocess", "--basedir", collection, "--output", collection / "spectrograms.nc", *SPEC).status == 0


@pytest.mark.parametrize("command", [
    ("t-rae", "generate", "--model-dir", "run", "--input", "{in}", "--output", "{in}"),
    ("fuse", "chunks", "--input", "{in}", "--output", "{in}"),
    ("upsample", "--input", "{in}", "--output", "{in}"),
    ("fuse", "--input", "{other}", "{in}", "--output", "{in}"),
    ("export", "--input", "{in}", "--output", "{in}", "--format", "csv"),
    ("visualize", "tsne", "--input", "{in}", "--output", "{in}", "--perplexity", "3"),
    ("svm", "evaluate", "--input", "{in}", "--complexity", "1", "--cross-validate", "--results", "{in}"),
    ("svm", "evaluate", "--input", "{in}", "--complexity", "1", "--cross-validate", "--confusion-matrix", "{in}"),
    ("svm", "predict", "--train-input", "{other}", "--eval-input", "{in}", "--complexity", "1", "--output", "{in}"),
], ids=lambda c: " ".join(w for w in c if not w.startswith(("-", "{")) and w not in ("1", "3", "csv", "run")))
def test_no_command_writes_over_its_input(cli, features, tmp_path, command):
    other = tmp_path / "other.nc"
    make_dataset(num_files=12, num_chunks=1, shape=(6,), num_folds=2, seed=1).save(other)
    before = features.read_bytes()
    argv = [w.format(**{"in": features, "other": other}) for w in command]
    line = one_error(cli(*argv), "features.nc", "also read as input")
    assert line.startswith(("error: --output", "error: --results", "error: --confusion-matrix")), line
    assert features.read_bytes() == before
    assert left_over(tmp_path) == []


def test_import_refuses_to_write_over_a_table_it_reads(cli, features, tmp_path):
    assert cli("export", "--input", features, "--output", tmp_path / "csv", "--format", "csv").status == 0
    table = tmp_path / "csv" / "train" / "fold_1" / "features.csv"
    before = table.read_bytes()
    one_error(cli("import", "--basedir", tmp_path / "csv", "--name", "features", "--output", table),
              "--output", "features.csv", "also read as input")
    assert table.read_bytes() == before


def test_modify_may_still_replace_its_input(cli, features):
    assert cli("modify", "--input", features, "--output", features, "--add-cv-setup", "3").status == 0
    with DataSet.open(features) as ds:
        assert ds.num_folds == 3


# ------------------------------------------------------------------ concurrent appends
def _append_rows(path, worker, count):
    for i in range(count):
        append_results_row(path, {"worker": worker, "row": str(i), "padding": "x" * 300})


def test_concurrent_results_appends_keep_every_row(tmp_path):
    path = tmp_path / "results.csv"
    ctx = multiprocessing.get_context("fork")
    processes = [ctx.Process(target=_append_rows, args=(path, name, 60)) for name in ("a", "b")]
    for p in processes:
        p.start()
    for p in processes:
        p.join(120)
        assert p.exitcode == 0
    lines = path.read_text().splitlines()
    assert lines[0] == "worker,row,padding" and len(lines) == 1 + 2 * 60
    assert sorted(lines[1:]) == sorted(f"{w},{i},{'x' * 300}" for w in "ab" for i in range(60))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]


def test_results_append_leaves_nothing_when_it_fails(tmp_path):
    folder = tmp_path / "results.csv"
    folder.mkdir()
    with pytest.raises(ParameterError, match="is a folder"):
        append_results_row(folder, {"a": "1"})
    binary = tmp_path / "data.nc"
    binary.write_bytes(b"\x89HDF\r\n\x1a\n\xff\xfe")
    with pytest.raises(ParameterError, match="not a results CSV file"):
        append_results_row(binary, {"a": "1"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.nc", "results.csv"]


def test_run_lock_uses_the_shared_lock(tmp_path):
    (tmp_path / "run").mkdir()
    with _atomic.file_lock(tmp_path / "run" / ".lock", wait=False), \
            pytest.raises(ModelError, match="another training"), run_lock(tmp_path / "run"):
        pass
    with run_lock(tmp_path / "run"), pytest.raises(BlockingIOError):
        with _atomic.file_lock(tmp_path / "run" / ".lock", wait=False):
            pass
    with _atomic.file_lock(tmp_path / "run" / ".lock", wait=False):  # released again
        pass


# ------------------------------------------------------------------ stale temporaries
def test_stale_temporaries_of_dead_writers_are_removed_live_ones_kept(tmp_path, tiny_dataset, caplog):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    alive = os.getppid()
    stale_file = tmp_path / f".out.nc.{dead}.abcd1234.tmp"
    stale_folder = tmp_path / f".out.nc.{dead}.efgh5678.tmp"
    live = tmp_path / f".out.nc.{alive}.ijkl9012.tmp"
    other = tmp_path / f".other.nc.{dead}.mnop3456.tmp"
    stale_file.write_bytes(b"half a data set")
    (stale_folder / "fold_1").mkdir(parents=True)
    live.write_bytes(b"being written")
    other.write_bytes(b"another output's")
    with caplog.at_level(logging.INFO, logger="audeep._atomic"):
        tiny_dataset.save(tmp_path / "out.nc")
    assert left_over(tmp_path) == sorted([live.name, other.name])
    assert f"process {dead}" in caplog.text
    assert DataSet.open(tmp_path / "out.nc").num_instances == tiny_dataset.num_instances


# ------------------------------------------------------------------ full disks, size limits, folders
LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from audeep.cli.app import main
sys.exit(main(sys.argv[2:]))
"""


def run_limited(*argv, limit=64 << 10):
    """``audeep ARGV`` with files limited to ``limit`` bytes (as a full disk: writes fail with EFBIG)."""
    result = subprocess.run([sys.executable, "-c", LIMITED, str(limit), *map(str, argv)],
                            capture_output=True, text=True, timeout=120)
    return type("Result", (), {"status": result.returncode, "stderr": result.stderr, "stdout": result.stdout})


def test_writing_past_a_size_limit_names_the_file_and_leaves_nothing(cli, collection, features, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    one_error(run_limited("preprocess", "--basedir", collection, "--output", out / "s.nc", *SPEC, limit=8 << 10),
              f"{out / 's.nc'}: cannot write", "File too large")
    one_error(run_limited("export", "--input", features, "--output", out / "csv", "--format", "csv", limit=256),
              f"{out / 'csv'}: cannot write", "File too large")
    older = out / "s.nc"
    make_dataset().save(older)
    before = older.read_bytes()
    one_error(run_limited("fuse", "chunks", "--input", features, "--output", older, limit=4096),
              "s.nc: cannot write", "File too large")
    assert older.read_bytes() == before  # an older output survives a failed write
    assert sorted(p.name for p in out.iterdir()) == ["s.nc"]


def test_write_errors_become_one_output_error():
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert str(_atomic.write_error("x.nc", full)) == f"x.nc: cannot write ({os.strerror(errno.ENOSPC)})"
    denied = PermissionError(errno.EACCES, "Permission denied", "/elsewhere/input.wav")
    assert _atomic.write_error("x.nc", denied) is None  # a reading error stays what it is
    assert isinstance(_atomic.write_error("x.nc", PermissionError(errno.EACCES, "Permission denied", "x.nc")),
                      OutputError)
    assert _atomic.write_error("x.nc", RuntimeError("interrupted")) is None


def test_an_oserror_naming_its_file_is_one_line(cli, tmp_path):
    from audeep.cli.app import _OneLineErrors

    record = logging.LogRecord("audeep", logging.ERROR, __file__, 1, IsADirectoryError(
        errno.EISDIR, os.strerror(errno.EISDIR), str(tmp_path)), None, None)
    _OneLineErrors().filter(record)
    assert record.getMessage() == f"error: {tmp_path}: {os.strerror(errno.EISDIR)}"


def test_an_output_that_is_a_folder(cli, features, tmp_path):
    folder = tmp_path / "taken"
    folder.mkdir()
    one_error(cli("fuse", "chunks", "--input", features, "--output", folder), "--output", "taken", "is a folder")
    one_error(cli("visualize", "tsne", "--input", features, "--output", folder, "--perplexity", "3"),
              "--output", "taken", "is a folder")
    one_error(cli("svm", "evaluate", "--input", features, "--complexity", "1", "--cross-validate", "--results",
                  folder), "--results", "is a folder")
    assert cli("export", "--input", features, "--output", folder, "--format", "csv").status == 0  # a folder output
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(OutputError, match="empty: is a folder"):  # the library's own check, when writing
        make_dataset().save(folder)
    assert list(folder.iterdir()) == [] and left_over(tmp_path) == []
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["devel", "test", "train"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder(cli, features, tmp_path):
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        one_error(cli("fuse", "chunks", "--input", features, "--output", folder / "x.nc"), "readonly")
        one_error(cli("export", "--input", features, "--output", folder / "csv", "--format", "csv"), "readonly")
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


# ------------------------------------------------------------------ infinite and huge option values
@pytest.mark.parametrize("argv,flag", [
    (("--clip-below", "inf"), "--clip-below"),
    (("--clip-above=-inf",), "--clip-above"),
    (("--window-overlap", "nan"), "--window-overlap"),
    (("--mel-spectrum", "inf"), "--mel-spectrum"),
    (("--chunk-count", "99999999999999999999999"), "--chunk-count"),
])
def test_infinite_or_huge_option_values_are_named(cli, collection, tmp_path, argv, flag, capsys):
    result = cli("preprocess", "--basedir", collection, "--output", tmp_path / "x.nc", *SPEC, *argv)
    err = result.stderr + capsys.readouterr().err
    assert result.status == 2 and flag in err and "Traceback" not in err
    assert not (tmp_path / "x.nc").exists()


def test_library_checks_refuse_non_finite_values():
    for name, expected in (("clip_below", "finite"), ("clip_above", "finite"), ("window_overlap", "seconds in")):
        for value in (float("inf"), float("-inf"), float("nan")):
            with pytest.raises(ParameterError, match=f"{name} .*{expected}") as info:
                SpectrogramOptions(**{name: value})
            assert info.value.parameters == (name,)
    for name in ("window_width", "fixed_length", "chunk_length"):  # finite but overflowing sample counts
        with pytest.raises(ParameterError, match=f"{name} 1e\\+308: expected a duration") as info:
            SpectrogramOptions(**{name: 1e308})
        assert info.value.parameters == (name,)
    for value in (2**70, 2**32, -3):  # numpy and TensorFlow take seeds in 0..2**32 - 1
        with pytest.raises(ParameterError, match="seed") as info:
            TrainingConfig(seed=value)
        assert info.value.parameters == ("seed",)
    assert TrainingConfig(seed=2**32 - 1).seed == 2**32 - 1
