"""Progress of long steps: a bar on a terminal, one-line log records otherwise, nothing under -q."""

import fcntl
import io
import logging
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest
from conftest import tone, write_wav

from audeep import _progress
from audeep._progress import Progress


@pytest.fixture
def collection(tmp_path):
    for i in range(3):
        write_wav(tmp_path / "audio" / f"clip{i}.wav", tone(0.2, freq=300.0 * (i + 1), seed=i))
    return tmp_path / "audio"


def _preprocess(collection, out, *extra, terminal: bool):
    """Run ``audeep preprocess`` in a subprocess with stderr on a pseudo-terminal or a pipe."""
    argv = [sys.executable, "-m", "audeep", *extra, "preprocess", "--basedir", str(collection), "--parser",
            "no_metadata", "--output", str(out), "--mel-spectrum", "8", "--jobs", "1", "-f", "value", "-c",
            "instances"]
    env = {**os.environ, "COLUMNS": "80"}
    if not terminal:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=follower, text=True, env=env)
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # the terminal closed
                break
            if not data:
                break
            chunks.append(data)
        stdout = proc.stdout.read()
        proc.wait(timeout=120)
    finally:
        os.close(leader)
    return proc.returncode, stdout, b"".join(chunks).decode(errors="replace")


def test_terminal_pipe_and_quiet(collection, tmp_path):
    status, stdout, stderr = _preprocess(collection, tmp_path / "a.nc", terminal=True)
    assert status == 0 and stdout.strip() == "3", stderr
    assert "\r" in stderr and "spectrograms" in stderr and "3/3" in stderr  # a tqdm bar

    status, stdout, stderr = _preprocess(collection, tmp_path / "b.nc", terminal=False)
    assert status == 0 and stdout.strip() == "3", stderr
    assert "\r" not in stderr  # no carriage-return frames in a log
    assert [line for line in stderr.splitlines() if "spectrograms: 3/3 files (100%)" in line], stderr

    status, stdout, stderr = _preprocess(collection, tmp_path / "c.nc", "-q", terminal=True)
    assert status == 0 and stdout.strip() == "3"
    assert "spectrograms" not in stderr and "\r" not in stderr


def test_log_records_at_most_every_interval(monkeypatch, caplog):
    """Off a terminal: a record when LOG_INTERVAL has passed and one at the end; none when disabled."""
    clock = iter([0.0, 1.0, 11.0, 11.0, 12.5, 13.0, 14.0])  # start, 4 updates (+1 record at 11 s), close
    monkeypatch.setattr(_progress.time, "monotonic", lambda: next(clock))
    caplog.set_level(logging.INFO, logger="audeep.progress")
    with Progress(4, desc="work", unit="batch", stream=io.StringIO()) as bar:
        assert bar.mode == "log"
        bar.update(1)          # t=1: too early
        bar.update(1)          # t=11: a record
        bar.set_postfix(loss="0.5")
        bar.update(1)          # t=12.5: too early
        bar.update(1)          # t=13: too early
    monkeypatch.undo()
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["work: 2/4 batches (50%), 11.0 s", "work: 4/4 batches (100%), 14.0 s, loss=0.5"]

    caplog.clear()
    _progress.set_default(False)
    try:
        with Progress(2, desc="off", unit="file", stream=io.StringIO()) as bar:
            bar.update(2)
        assert bar.mode == "off" and caplog.records == []
        with Progress(2, desc="on", unit="file", enabled=True, stream=io.StringIO()) as bar:
            assert bar.mode == "log"  # an explicit True is not overruled
    finally:
        _progress.set_default(None)


def test_progress_module_does_not_import_tensorflow():
    code = "import sys, audeep._progress; assert 'tensorflow' not in sys.modules and 'numpy' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
