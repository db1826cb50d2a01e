"""``python -m audeep``: the same as the ``audeep`` command."""

from audeep.cli.app import console_main

if __name__ == "__main__":
    console_main()
