"""``python -m audeep``: the same as the ``audeep`` command."""

import sys

from audeep.cli.app import main

if __name__ == "__main__":
    sys.exit(main())
