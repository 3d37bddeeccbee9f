"""What a SocialShapes generation will cost, from its arguments alone, said before any work and checked against the
machine.

The trial design grows with the square of the clip count (its pair covering with the cube), the pixels with
frames x size²: 1,000 clips took about 20 s and 0.8 GB, 10,000 would take hours and some 70 GB, and ``size=4096``
holds 250 x 16 label maps of 16 MB each in memory; all of them started without a word and ran until the machine
gave out. :func:`check_budget` logs one estimate line (disk, memory, time) and refuses, before any folder is made,
only a run the machine cannot hold: more disk than is free where the output goes, or more memory than the machine
(or its cgroup) has; ``force`` runs it anyway. The constants were measured on 2 shared cores
(``tests/test_synth.py`` checks the disk estimate against a generation): an order of magnitude, not a promise.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bgs_hf.errors import BGSSettingError
from bgs_hf.synth.scene import SynthConfig

logger = logging.getLogger(__name__)

#: Imports, the contact sheet, the README (seconds).
SECONDS_START = 2.0
#: Simulating, tabulating and writing one judgment (the Hub layout writes its tables twice: x1.5).
SECONDS_PER_JUDGMENT = 20e-6
#: x clips³: the greedy covering of every clip pair (1.8 s at 1,000 clips, 19 s at 2,000).
SECONDS_COVERING = 2.3e-9
#: Rendering and encoding: per clip (the encoder), per frame (the drawing loop), per pixel of every frame.
SECONDS_PER_CLIP, SECONDS_PER_FRAME, SECONDS_PER_PIXEL = 5e-3, 6e-4, 2e-7
#: The Python process with numpy, pandas and PyAV loaded (bytes).
MEMORY_START = 200e6
#: The design, choices and tables of one judgment in memory (0.8 GB at 1,000 clips).
MEMORY_PER_JUDGMENT = 850
#: all/train/test_triplets.csv per judgment; annotations, captions and ground truth per clip (bytes).
DISK_PER_JUDGMENT, DISK_PER_CLIP = 95, 3000
#: An h264 clip at crf 18: about 4 bytes per frame per pixel of its side, plus 0.025 per pixel.
VIDEO_PER_FRAME_SIDE, VIDEO_PER_PIXEL = 4, 0.025
#: agent_masks.npz: one byte per pixel, deflated about this much.
MASK_COMPRESSION = 60
#: An estimate over this many seconds is a warning, not an info line.
LONG_RUN_S = 600


class BudgetError(BGSSettingError):
    """A run the machine cannot hold. ``needs`` says what it needs and what there is (``about 69 GB of memory (an
    estimate), but this machine has 25 GB``), for a caller that sizes the run with settings of its own; ``None`` where
    torch rebuilt it from its message alone (a DataLoader worker's, see ``BGSSettingError``)."""

    def __init__(self, say: Callable[[Callable[..., str]], str] | str, needs: str | None = None) -> None:
        self.needs = needs
        super().__init__(say)


@dataclass(frozen=True)
class Estimate:
    """Bytes of disk (at the peak: the Hub layout is made from a release layout beside it), bytes of memory at the
    peak, and seconds, for ``clips`` clips of ``frames`` frames of ``size`` x ``size`` px and ``judgments``
    simulated judgments."""

    clips: int
    frames: int
    size: int
    judgments: int
    disk: float
    memory: float
    seconds: float

    def describe(self) -> str:
        """``about 10 MB of disk, 310 MB of memory and 7.0 s``."""
        return f"about {_bytes(self.disk)} of disk, {_bytes(self.memory)} of memory and {_duration(self.seconds)}"


def estimate(n_clips: int, config: SynthConfig, *, judgments: int = 0, hub: bool = False) -> Estimate:
    """The cost of ``n_clips`` clips rendered with ``config`` and, when ``judgments``, their trial design (a
    SocialShapes benchmark; the abstract set has none)."""
    t, s = config.num_frames, config.size
    pixels = t * s * s  # per clip
    parallel = min(config.workers, os.cpu_count() or 1) if config.workers > 1 and n_clips > 8 else 1
    seconds = (SECONDS_START + n_clips * (SECONDS_PER_CLIP + t * SECONDS_PER_FRAME + pixels * SECONDS_PER_PIXEL)
               / parallel)
    memory = MEMORY_START + 2 * n_clips * pixels  # the label maps: each clip's, then stacked (and copied to save)
    memory += parallel * (6 * pixels + 64 * s * s)  # a worker's clip: frames, labels, encoder, float canvases
    disk = n_clips * (DISK_PER_CLIP + t * (VIDEO_PER_FRAME_SIDE * s + VIDEO_PER_PIXEL * s * s)
                      + pixels / MASK_COMPRESSION)
    if judgments:
        seconds += SECONDS_COVERING * n_clips**3 + SECONDS_PER_JUDGMENT * judgments * (1.5 if hub else 1.0)
        memory += MEMORY_PER_JUDGMENT * judgments
        disk += DISK_PER_JUDGMENT * judgments
    return Estimate(clips=n_clips, frames=t, size=s, judgments=judgments, disk=disk * (2 if hub else 1),
                    memory=memory, seconds=seconds)


def estimate_socialshapes(n_clips: int, config: SynthConfig | None = None, fmt: str = "release") -> Estimate:
    """What ``generate_socialshapes(out, n_clips=n_clips, config=config, fmt=fmt)`` will cost (arithmetic only)."""
    from bgs_hf.synth.observers import count_participants

    config = config or SynthConfig()
    judgments = count_participants(n_clips, config) * config.sets_per_participant * config.trials_per_set
    return estimate(n_clips, config, judgments=judgments, hub=fmt == "hub")


def check_budget(out_dir: str | Path, cost: Estimate, subject: Callable[[Callable[..., str]], str], *,
                 force: bool = False) -> None:
    """Log ``cost`` in one line, then refuse (:class:`BudgetError`, a ``BGSSettingError``, before anything is written)
    a run whose estimate exceeds the disk free where ``out_dir`` goes or the memory this process may use, unless
    ``force``. ``subject(n)`` names the run and the settings that sized it (``SocialShapes with n_clips 10000, ...``)
    through the refusal's naming function, so a command can name them as its flags."""
    what = f"{cost.clips:,} clips of {cost.frames} frames at {cost.size}x{cost.size} px"
    line = f"estimate for {what}: {cost.describe()}"
    if cost.seconds > LONG_RUN_S:
        design = "the trial design grows with the square of the clip count, " if cost.judgments else ""
        logger.warning("%s (%sthe pixels with frames x size²)", line, design)
    else:
        logger.info("%s", line)
    short = []
    free, folder = _free_disk(out_dir)
    if free is not None and cost.disk > free:
        short.append(f"about {_bytes(cost.disk)} of disk (an estimate), but {folder} has {_bytes(free)} free")
    limit = _memory_limit()
    if limit is not None and cost.memory > limit[0]:
        short.append(f"about {_bytes(cost.memory)} of memory (an estimate), but {limit[1]} {_bytes(limit[0])}")
    if not short:
        return
    if force:
        logger.warning("%s need %s: running anyway (forced)", what, " and ".join(short))
        return
    needs = " and ".join(short)
    raise BudgetError(lambda n: f"{subject(n)} needs {needs}: ask for fewer clips, frames or pixels, or set "
                                f"{n('force')} to run anyway", needs)


def _free_disk(out_dir: str | Path) -> tuple[float | None, str]:
    """Free bytes on the file system the output goes to (its nearest existing folder), and that folder."""
    for folder in (Path(out_dir).absolute(), *Path(out_dir).absolute().parents):
        if folder.is_dir():
            try:
                return float(shutil.disk_usage(folder).free), str(folder)
            except OSError:
                return None, str(folder)
    return None, str(out_dir)


def _memory_limit() -> tuple[float, str] | None:
    """The bytes this process may hold, and how to say where that limit comes from: the machine's memory, or its
    cgroup's limit (a container, a batch job) when lower. None where neither can be read. A ``memory.max`` of
    anything but ASCII digits (``max``, a damaged ``²``) sets no limit: ``isdigit()`` alone let ``int()`` raise."""
    try:
        limit: tuple[float, str] | None = (float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")),
                                           "this machine has")
    except (AttributeError, OSError, ValueError):
        limit = None
    try:
        text = Path("/sys/fs/cgroup/memory.max").read_text().strip()
    except OSError:
        return limit
    if text.isascii() and text.isdigit() and (limit is None or int(text) < limit[0]):
        return float(text), "this process may use (its cgroup's memory.max)"
    return limit


def _bytes(n: float) -> str:
    """Two significant digits, in kB, MB, GB or TB."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{_two_digits(n / scale)} {unit}"
    return f"{_two_digits(n / 1e3)} kB"


def _duration(seconds: float) -> str:
    """``7.0 s``, ``4.5 min``, ``3.2 h``, ``2.1 days``."""
    for unit, scale in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= scale:
            return f"{_two_digits(seconds / scale)} {unit}"
    return f"{_two_digits(seconds)} s"


def _two_digits(x: float) -> str:
    if x <= 0 or not math.isfinite(x):
        return f"{x:g}"
    digits = max(0, 1 - int(math.floor(math.log10(x))))
    return f"{round(x, digits):.{digits}f}"
