"""Run at the start of every Python process the suite starts (``tests/conftest.py`` puts this folder on
``PYTHONPATH``): freeze the garbage collector at exit, as a ``bgs-hf`` command's own process does
(``bgs_hf._process.exit_without_collecting``, which this file must not import: a test's process picks its own
``bgs_hf``).

Why: a test's script (a ``python -c`` probe, a test file run as a training process, each rank of a launch, torchrun's
agent) that imported torch and transformers spent about 2 s after its last line in the interpreter's final
collections; the suite starts dozens. Registered first, ``gc.freeze`` runs after every other exit handler, so what
a test's probe sees at exit is as before; a command that freezes at exit itself registers it again."""

from __future__ import annotations

import atexit
import gc

atexit.register(gc.freeze)
