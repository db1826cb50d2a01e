"""Kills and interrupts (issue 19, process side): real signals on a real ``python -m audeep`` process.

Each test starts a command as a child process, waits until its temporary output exists,
sends a signal and checks what a user finds: the exit status, one line and no traceback on
stderr, no temporary left behind (at once for SIGTERM / SIGINT, after the next run for
SIGKILL), and the final output absent or intact.
"""

import signal
import subprocess
import sys
import time

import pytest
from conftest import make_dataset, tone, write_wav

from audeep.dataset import DataSet

RATE = 16000
SPEC = ("--window-width", "0.02", "--window-overlap", "0.01", "--mel-spectrum", "32")


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """80 eight-second WAV files in a cross-validated tree: preprocessing them takes a second or two.

    The workers compute at most 8 files per worker ahead of the writer, so most of the work is
    left when the temporary output appears.
    """
    root = tmp_path_factory.mktemp("signals") / "audio"
    for i in range(80):
        write_wav(root / f"fold_{i % 2 + 1}" / "ab"[i // 2 % 2] / f"f{i:02d}.wav",
                  tone(8.0, freq=200 + 20 * i, sample_rate=RATE, seed=i), RATE)
    return root


@pytest.fixture(scope="module")
def big_features(tmp_path_factory):
    """A data set whose CSV export takes about a second (1000 instances x 1200 features)."""
    path = tmp_path_factory.mktemp("export") / "big.nc"
    make_dataset(num_files=500, num_chunks=2, shape=(30, 40), num_folds=0, partitions=False).save(path)
    return path


def start(*argv) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "audeep", *map(str, argv)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def temporaries(folder, name):
    return sorted(folder.glob(f".{name}.*.tmp"))


def kill_when_writing(process, folder, name, signum, *, timeout=60.0):
    """Send ``signum`` to ``process`` once its temporary of ``folder/name`` exists; return (status, stderr)."""
    deadline = time.monotonic() + timeout
    while not temporaries(folder, name):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no temporary of {name} appeared: {process.communicate()}")
        time.sleep(0.01)
    time.sleep(0.05)  # inside the writing
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    return process.returncode, err


def assert_quiet(stderr):
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr


def test_preprocess_terminated_with_workers_cleans_up_at_once(collection, tmp_path):
    signum = signal.SIGTERM  # the path of Ctrl-C (SIGINT) too
    status, err = kill_when_writing(start("preprocess", "--basedir", collection, "--output", tmp_path / "s.nc",
                                          "--jobs", 2, *SPEC), tmp_path, "s.nc", signum)
    assert status == 128 + signum, err
    assert err.strip().splitlines()[-1] == f"interrupted by {signal.Signals(signum).name}"
    assert_quiet(err)
    assert list(tmp_path.iterdir()) == []


def test_preprocess_killed_keeps_the_old_output_and_the_next_run_removes_the_temporary(cli, collection, tmp_path):
    out = tmp_path / "s.nc"
    out.write_bytes(b"an older output")
    status, err = kill_when_writing(start("preprocess", "--basedir", collection, "--output", out, "--jobs", 2,
                                          *SPEC), tmp_path, "s.nc", signal.SIGKILL)
    assert status == -signal.SIGKILL
    assert_quiet(err)  # the workers die with their parent, without a word
    assert out.read_bytes() == b"an older output"
    left = temporaries(tmp_path, "s.nc")
    assert len(left) == 1 and left[0].stat().st_size > 0
    small = tmp_path / "small"
    for i in range(4):
        write_wav(small / f"fold_{i % 2 + 1}" / "ab"[i // 2] / f"g{i}.wav", tone(0.3, sample_rate=RATE, seed=i), RATE)
    rerun = cli("preprocess", "--basedir", small, "--output", out, "--jobs", 1, *SPEC)
    assert rerun.status == 0, rerun
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.nc", "small"]
    with DataSet.open(out) as ds:
        assert ds.num_instances == 4


def test_export_terminated_removes_its_folder_and_killed_export_is_cleaned_by_the_next(cli, big_features, tmp_path):
    out = tmp_path / "exported"
    status, err = kill_when_writing(start("export", "--input", big_features, "--output", out, "--format", "csv"),
                                    tmp_path, "exported", signal.SIGTERM)
    assert status == 143 and err.strip().splitlines()[-1] == "interrupted by SIGTERM", err
    assert_quiet(err)
    assert list(tmp_path.iterdir()) == []

    status, err = kill_when_writing(start("export", "--input", big_features, "--output", out, "--format", "csv"),
                                    tmp_path, "exported", signal.SIGKILL)
    assert status == -signal.SIGKILL and len(temporaries(tmp_path, "exported")) == 1
    small = tmp_path / "small.nc"
    make_dataset(num_files=3, num_folds=0, partitions=False).save(small)
    rerun = cli("export", "--input", small, "--output", out, "--format", "csv", "--name", "big")
    assert rerun.status == 0, rerun
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exported", "small.nc"]
    assert len((out / "big.csv").read_text().splitlines()) == 1 + 6  # header and the 6 instances
