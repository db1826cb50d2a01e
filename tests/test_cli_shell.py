"""The shell around the commands: help for an unknown command, the interactive mode, TensorFlow's noise."""

import subprocess
import sys


def _audeep(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "audeep", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def test_help_for_an_unknown_command_is_one_line():
    done = _audeep("help", "nosuch")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().splitlines() == ["error: unknown command 'nosuch'; see 'audeep --help'"]
    done = _audeep("help", "inspct")
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: unknown command 'inspct'; did you mean 'inspect raw', 'inspect netcdf'")
    # a known command still has its help, and a prefix still lists its commands
    assert _audeep("help", "export").stdout.startswith("usage: audeep export")
    assert "inspect netcdf" in _audeep("help", "inspect").stdout


def test_interactive_mode_exits_with_status_0_after_quit():
    done = _audeep(stdin="quit\n")
    assert done.returncode == 0, done.stderr


def test_python_api_keeps_tensorflows_start_up_messages_off_stderr():
    code = ("import audeep\nimport tensorflow as tf\nfrom audeep.models import autoencoders\n"
            "print('ok' if float(tf.constant(1.0) + 1.0) == 2.0 else 'bad')\n")  # an operation starts the devices
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr
    assert done.stderr == ""
