"""Library calls leave the process as they found it.

A run sets torch's thread count and seeds the global random generators (``torch.manual_seed``, transformers'
``set_seed``: Python's, numpy's and torch's) so that a seed fixes its result. From a notebook or a user's own script,
``train_bgs`` or a pretraining function left them that way: the caller's next ``torch.rand`` / ``np.random`` /
``random`` draw was the run's stream, the same after every call, and their torch ran on the run's thread count.
:func:`keeps_process_state` puts both back when the call returns (the run inside draws exactly as before). The CLI's
own process may keep a count: ``bgs-hf pretrain-tiny`` sets it for the whole command.

Child processes end with the one that started them: :func:`exit_with_parent`, for synthesis's render workers and the
Space's upload decoders, which nothing else would stop once their parent is killed.

A command's own process (the ``bgs-hf`` console script, each process of a ``python -m bgs_hf.train`` launch, a
stopped Space) exits without the interpreter's last garbage collections: :func:`exit_without_collecting`.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def process_state_kept() -> Iterator[None]:
    """Restore torch's intra-op thread count and the global random states of Python, numpy and torch (CPU, and the
    current CUDA device where CUDA was already initialised: reading a device's state initialises it, and every
    device's would open a context on each GPU from each process of a launch) on exit."""
    import torch

    threads = torch.get_num_threads()
    py_state, np_state = random.getstate(), np.random.get_state()
    cuda = [torch.cuda.current_device()] if torch.cuda.is_initialized() else []
    try:
        with torch.random.fork_rng(devices=cuda):
            yield
    finally:
        torch.set_num_threads(threads)
        random.setstate(py_state)
        np.random.set_state(np_state)


def keeps_process_state(fn: F) -> F:
    """``fn`` run inside :func:`process_state_kept`: for a library entry point that seeds or sets threads."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with process_state_kept():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def exit_with_parent(parent: int) -> None:
    """Start a thread that ends this process once ``parent`` is gone (SIGTERMed, SIGKILLed, OOM-killed): a render
    worker blocked on the executor's queue never sees end-of-file (it holds the pipe's write end itself), and an
    upload's decoder runs under a deadline only its server enforces. ``parent`` is passed, not read here, so a parent
    that died before this call is noticed too. Called in the child: as a pool's initializer, or by the worker itself."""

    def watch() -> None:
        while os.getppid() == parent:  # polled, not prctl(PR_SET_PDEATHSIG): portable, and bound to no thread
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="bgs-exit-with-parent", daemon=True).start()


def exit_without_collecting() -> None:
    """At this process's exit, freeze the garbage collector (``gc.freeze`` as an ``atexit`` handler). The interpreter's
    teardown runs full collections over every object its imports made (half a million with torch, transformers,
    gradio and pyarrow): a stopped Space took 1.5-4 s after "terminated" to exit, and a ``bgs-hf train`` 2-3 s after
    its last line, none of it in a thread or an ``atexit`` handler. Frozen, only objects in reference cycles stay
    unfreed, which the OS takes back (bgs_hf writes and closes its files in ``with`` blocks, and ends its workers and
    process group before returning); ``atexit`` handlers (temporary folders, ``weakref.finalize``, logging's flush,
    multiprocessing's children) run as before, and nothing changes until exit (a notebook's ``main(["space", ...])``
    leaves its collector alone). Registered once however often it is called."""
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
