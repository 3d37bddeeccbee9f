"""Which process of a launch (``torchrun``, ``accelerate launch``) prints a warning.

Every process of a launch reads the same flags and data and computes the same steps, so nearly every warning ("no
validation clips", an unused ``--clips_per_step``, an earlier run replaced, dropped judgments) is the same on each,
and N processes printed it N times. The clips a process loads for its own part of a step or of an evaluation are its
alone: a warning about them (a damaged clip-cache entry decoded again) is that process's to say, and so is an error
raised while it loads them (a clip only it cannot read). :func:`own_part` marks that span; :class:`SharedWarningsOnce`,
which the CLI puts on its console on every process but the first of each machine, lets only those warnings through
there, and :func:`own_error` tells the CLI's launch handling which errors to say there. :func:`command_process_group`
ends the process group a command's run started. Light on purpose: the CLI imports it before anything heavy.
"""

from __future__ import annotations

import logging
import sys
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

#: the logger of transformers' warning that a launcher's process group is up but the Trainer will not train in it
GROUP_UNUSED_LOGGER = "transformers.training_args"
_GROUP_UNUSED = "torch.distributed process group is initialized, but parallel_mode != ParallelMode.DISTRIBUTED"


class GroupUnusedWarningDropped(logging.Filter):
    """For the CLI's console: drops transformers' warning, logged as ``TrainingArguments`` are parsed, that a process
    group is up but the Trainer does not train in it. Its advice, "launch your script with ``python -m
    torch.distributed.launch``", is what a ``torchrun`` user without ``--use_cpu`` did; ``train_bgs`` refuses such a
    launch in one line that says what to pass instead, and a group of one process (the user's own) trains as it is.
    Each process printed it before that line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and record.getMessage().startswith(_GROUP_UNUSED))


#: the one instance the CLI installs and removes again
GROUP_UNUSED_WARNING_DROPPED = GroupUnusedWarningDropped()


def _group_started() -> bool:
    """Whether this process's default ``torch.distributed`` process group is up (without importing torch: a process
    that never imported ``torch.distributed`` has none)."""
    dist = sys.modules.get("torch.distributed")
    return dist is not None and dist.is_available() and dist.is_initialized()


@contextmanager
def command_process_group() -> Iterator[None]:
    """A command's own process group ends with it, on success, error or Ctrl-C. Under ``torchrun``/``accelerate
    launch`` the group is started by the run (transformers' ``TrainingArguments``, through accelerate) and neither the
    Trainer nor accelerate destroys it: gloo's threads were left to static destructors at exit (the suspected cause
    of a rank that once aborted there, "terminate called without an active exception"; not reproduced). Destroying
    a gloo group only forgets it: its threads end when the last reference goes (the run's DDP model), so nothing of
    a failed run may outlive the command (see ``bgs_hf.train``'s launch handling). A group
    already up when the command began is its caller's (a Python user's own distributed script) and is left alone; so is every group ``train_bgs`` starts when
    called from Python, which is its caller's to end (``torch.distributed.destroy_process_group()``)."""
    ours = not _group_started()
    try:
        yield
    finally:
        if ours and _group_started():
            _end_process_group()


class _Rendezvous:
    """What the groups this process's commands ended leave to the next one's rendezvous. The processes of a launch
    leave a group one by one, and one may start the next command's group while another still uses the last (a
    loaded machine, rank 0 writing its reports). They meet again in the same store: torchrun's, or under a launch
    without its agent (``mp.spawn``, MASTER_PORT) the one rank 0 hosts. There the first one read the other's address
    of the last group, which torch names the same ("default_pg/0/..."), and its collective failed ("Connection reset
    by peer", or a timeout connecting); or it met a store rank 0 was about to close ("Failed to recv"). So each
    group a command starts is named anew, and the store of the last one is kept: rank 0's next group takes the same
    server (``multi_tenant``), and a peer that came early finds it still there."""

    #: groups ended by this process's commands: the name of the next one's rendezvous
    ended = 0
    #: the last ended group's store (torch's ``Store``), kept open
    store: object | None = None


def _end_process_group() -> None:
    """Destroy the default group, and forget accelerate's record of it, so that another run in this process starts a
    new one (:class:`_Rendezvous`). A failure here is logged, not raised: it must not replace the command's own
    error."""
    import torch.distributed as dist

    c10d = dist.distributed_c10d
    with suppress(Exception):  # torch's own, not public
        _Rendezvous.store = c10d._get_default_store()
    try:
        dist.destroy_process_group()
    except Exception:  # a group a failed peer left broken: the process ends anyway
        logging.getLogger(__name__).debug("destroying the process group failed", exc_info=True)
    _Rendezvous.ended += 1
    world = getattr(c10d, "_world", None)  # torch's own, not public: it names the next group "0" again
    if world is not None:
        world.group_count = max(world.group_count, _Rendezvous.ended)
    state = sys.modules.get("accelerate.state")
    reset = getattr(getattr(state, "AcceleratorState", None), "_reset_state", None)  # accelerate's own, not public
    if reset is not None:
        reset(reset_partial_state=True)
