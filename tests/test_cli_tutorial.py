"""The tutorial's chunking example runs with the tutorial's own settings (docs/tutorial.md)."""

import re
import shlex
from pathlib import Path

import pytest
from conftest import tone, write_wav

from audeep.dataset import DataSet

TUTORIAL = Path(__file__).parents[1] / "docs" / "tutorial.md"


def _step3_options() -> list:
    """The spectrogram options of the tutorial's step 3 (``audeep preprocess ... --output esc10.nc``)."""
    text = TUTORIAL.read_text(encoding="utf-8")
    block = re.search(r"## 3\..*?```bash\n(.*?)```", text, re.S).group(1)
    command = block.replace("\\\n", " ").splitlines()[0]
    words = shlex.split(command)
    assert words[:2] == ["audeep", "preprocess"]
    options = words[2:]
    for flag in ("--basedir", "--output"):
        at = options.index(flag)
        del options[at:at + 2]
    return options


def _chunk_options() -> list:
    text = TUTORIAL.read_text(encoding="utf-8")
    return shlex.split(re.search(r"\*\*Chunks\*\*: add `([^`]*)`", text).group(1))


@pytest.fixture
def clips(tmp_path):
    """Two clips of about 5 s (as ESC-10's, cut to 5 s by the tutorial's --fixed-length 5)."""
    for i in range(2):
        write_wav(tmp_path / "audio" / f"clip{i}.wav", tone(5.3, freq=500.0 * (i + 1), seed=i))
    return tmp_path / "audio"


def test_the_tutorials_chunking_example_works(cli, clips, tmp_path):
    options, chunks = _step3_options(), _chunk_options()
    assert "--fixed-length" in options and "--chunk-count" in chunks
    out = tmp_path / "chunks.nc"
    res = cli("preprocess", "--basedir", clips, "--parser", "no_metadata", "--output", out, *options, *chunks,
              "--jobs", "1")
    assert res.status == 0, res
    count = int(chunks[chunks.index("--chunk-count") + 1])
    with DataSet.open(out) as data:
        assert data.num_instances == 2 * count and list(data.chunk_nrs[:count]) == list(range(count))


def test_a_chunking_that_does_not_fit_says_what_would(cli, clips, tmp_path):
    """124 frames of 5 s do not give five 1-second chunks of 25 frames: the error names 4 chunks or 0.96 s."""
    options = _step3_options()
    base = ("preprocess", "--basedir", clips, "--parser", "no_metadata", "--output", tmp_path / "x.nc", *options,
            "--jobs", "1")
    args = (*base, "--chunk-length", "1", "--chunk-count", "5")
    res = cli(*args)
    assert res.status == 1
    assert "124 frames give 4 chunks of 25 frames, expected at least 5; --chunk-count 4 or --chunk-length 0.96 s " \
           "would work (and every other file: all 2 files are bad)" in res.stderr
    res = cli(*args, "--skip-bad-files")
    assert res.status == 1 and "none of the 2 files can be processed" in res.stderr
    assert "--chunk-count 4 or --chunk-length 0.96 s would work" in res.stderr
    # the suggested length works
    res = cli(*base, "--chunk-length", "0.96", "--chunk-count", "5")
    assert res.status == 0, res
