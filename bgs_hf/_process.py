"""Library calls leave the process as they found it.

A run sets torch's thread count and seeds the global random generators (``torch.manual_seed``, transformers'
``set_seed``: Python's, numpy's and torch's) so that a seed fixes its result. From a notebook or a user's own script,
``train_bgs`` or a pretraining function left them that way: the caller's next ``torch.rand`` / ``np.random`` /
``random`` draw was the run's stream, the same after every call, and their torch ran on the run's thread count.
:func:`keeps_process_state` puts both back when the call returns (the run inside draws exactly as before). The CLI's
own process may keep a count: ``bgs-hf pretrain-tiny`` sets it for the whole command.
"""

from __future__ import annotations

import functools
import random
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
