"""Which process of a launch (``torchrun``, ``accelerate launch``) prints a warning.

Every process of a launch reads the same flags and data and computes the same steps, so nearly every warning ("no
validation clips", an unused ``--clips_per_step``, an earlier run replaced, dropped judgments) is the same on each,
and N processes printed it N times. The clips a process loads for its own part of a step or of an evaluation are its
alone: a warning about them (a damaged clip-cache entry decoded again) is that process's to say, and so is an error
raised while it loads them (a clip only it cannot read). :func:`own_part` marks that span; :class:`SharedWarningsOnce`,
which the CLI puts on its console on every process but the first of each machine, lets only those warnings through
there, and :func:`own_error` tells the CLI's launch handling which errors to say there. Light on purpose: the CLI
imports it before anything heavy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

_own_part: ContextVar[bool] = ContextVar("bgs_hf_own_part", default=False)
#: the attribute :func:`own_part` sets on an error raised inside it
_OWN_ERROR = "_bgs_hf_own_part"


@contextmanager
def own_part() -> Iterator[None]:
    """While this process loads the clips of its own part of a step or an evaluation: what bgs_hf warns about
    here is this process's alone (also inside a DataLoader worker, which runs the collator)."""
    token = _own_part.set(True)
    try:
        yield
    except Exception as err:  # marked on its way out: the variable is reset before the CLI sees the error
        with suppress(AttributeError):  # an exception type without attributes stays unmarked
            setattr(err, _OWN_ERROR, True)
        raise
    finally:
        _own_part.reset(token)


def own_error(err: BaseException) -> bool:
    """Whether ``err`` was raised inside :func:`own_part`: an error of this process alone, which the other processes
    of the launch do not meet and so cannot say for it (Ctrl-C is everyone's, and never marked)."""
    return bool(getattr(err, _OWN_ERROR, False))


class SharedWarningsOnce(logging.Filter):
    """For a console handler of a process other than its machine's first (``LOCAL_RANK`` > 0): drops bgs_hf's
    warnings, which the first process prints as well, except those logged inside :func:`own_part`. Errors, other
    libraries' records and ``--verbose``'s debug lines pass. A Python user launching ``train_bgs`` can add it to
    their own handler the same way."""

    def filter(self, record: logging.LogRecord) -> bool:
        ours = record.name == "bgs_hf" or record.name.startswith("bgs_hf.")
        return not ours or record.levelno != logging.WARNING or _own_part.get()


#: the one instance the CLI installs and removes again
SHARED_WARNINGS_ONCE = SharedWarningsOnce()
