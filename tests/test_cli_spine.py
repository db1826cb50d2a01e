"""The command-line shell: help, version, exit codes, one-line errors, formatters."""

import json
import subprocess
import sys

from audeep import __version__
from audeep.dataset import DataSet


def test_help_does_not_import_tensorflow():
    code = (
        "import sys, io, contextlib\n"
        "from audeep.cli.app import main\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "assert 'inspect netcdf' in buf.getvalue(), buf.getvalue()\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'torch') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_version_and_help_of_a_command():
    out = subprocess.run([sys.executable, "-m", "audeep", "--version"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and __version__ in out.stdout + out.stderr
    out = subprocess.run([sys.executable, "-m", "audeep", "help", "inspect", "netcdf"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "--detailed-folds" in out.stdout


def test_inspect_json(cli, tmp_path, tiny_dataset):
    path = tiny_dataset.save(tmp_path / "set.nc")
    result = cli("inspect", "netcdf", "--input", path, "-f", "json", "--detailed-folds")
    assert result.status == 0, result
    info = json.loads(result.stdout)
    assert info["instances"] == 20 and info["files"] == 10 and info["folds"] == 2
    assert info["classes"] == "a, b" and info["feature dims"] == "time=6, freq=4"
    assert info["fold 1 valid"] == "10 (a: 10)"
    result = cli("inspect", "netcdf", "--input", path, "--instance", "3", "-f", "value", "-c", "filename")
    assert result.status == 0 and result.stdout.strip() == "file_001.wav"


def test_validate_exit_codes(cli, tmp_path, tiny_dataset):
    good = tiny_dataset.save(tmp_path / "good.nc")
    result = cli("validate", "--input", good, "-f", "json")
    assert result.status == 0, result
    rows = json.loads(result.stdout)
    assert {r["status"] for r in rows} == {"PASS"} and len(rows) == 10  # schema + 9 constraints

    tiny_dataset.data["chunk_nr"].values[0] = 5
    bad = tiny_dataset.save(tmp_path / "bad.nc")
    result = cli("validate", "--input", bad, "-f", "json")
    assert result.status == 1
    failed = [r for r in json.loads(result.stdout) if r["status"] == "FAIL"]
    assert [r["constraint"] for r in failed] == ["chunk-numbers"] and "file_000.wav" in failed[0]["details"]


def test_validate_reports_a_broken_file_without_crashing(cli, tmp_path):
    junk = tmp_path / "junk.nc"
    junk.write_bytes(b"\x89HDF\r\n garbage")
    result = cli("validate", "--input", junk, "-f", "csv")
    assert result.status == 1
    assert "schema" in result.stdout and "FAIL" in result.stdout and "Traceback" not in result.stderr


def test_errors_are_one_line_without_traceback(cli, tmp_path):
    result = cli("inspect", "netcdf", "--input", tmp_path / "absent.nc")
    assert result.status == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"error: {tmp_path / 'absent.nc'}: no such file"]


def test_debug_shows_the_traceback(cli, tmp_path):
    result = cli("--debug", "inspect", "netcdf", "--input", tmp_path / "absent.nc")
    assert result.status == 1
    assert "Traceback" in result.stderr and "DataSetError" in result.stderr


def test_bad_option_value_exits_non_zero(cli, tmp_path, tiny_dataset):
    path = tiny_dataset.save(tmp_path / "set.nc")
    result = cli("inspect", "netcdf", "--input", path, "--instance", "-3")
    assert result.status == 2
    result = cli("inspect", "netcdf", "--input", path, "--instance", "20")
    assert result.status == 1 and "20 instances" in result.stderr


def test_unknown_command(cli):
    assert cli("no-such-command").status != 0


def test_python_api_is_light():
    code = "import sys, audeep; audeep.DataSet; assert 'tensorflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    import audeep

    assert audeep.DataSet is DataSet
    assert "DataSet" in dir(audeep)


def test_executable_flushes_output_and_keeps_exit_status(tmp_path, tiny_dataset):
    """The executable leaves without interpreter teardown: output, log file and status must survive that."""
    path = tiny_dataset.save(tmp_path / "set.nc")
    log = tmp_path / "audeep.log"
    out = subprocess.run([sys.executable, "-m", "audeep", "--log-file", str(log), "-v", "validate", "--input",
                          str(path), "-f", "json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) > 0
    out = subprocess.run([sys.executable, "-m", "audeep", "--log-file", str(log), "inspect", "netcdf", "--input",
                          str(tmp_path / "missing.nc")], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "missing.nc" in out.stderr
    assert "missing.nc" in log.read_text()
