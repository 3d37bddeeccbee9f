"""``python -m bgs_hf.cli``: the ``bgs-hf`` command where the console script is not on PATH (a cluster job's
interpreter, a notebook's ``!python -m``), with the same console, exit statuses and ``--help``."""

from __future__ import annotations

import sys

from bgs_hf.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
