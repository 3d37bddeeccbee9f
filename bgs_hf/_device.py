"""The one check of a torch device a user names (``bgs-hf baseline language --device``, ``LanguageBaselineConfig``):
refused in one line before any data or model loads, where torch would fail only once they had, in a traceback.

One rule for every accelerator torch runs on (cuda, mps, xpu, ...): the kind must be there and its index one of
the devices torch counts. Kept out of the CLI so library code can use it without importing ``bgs_hf.cli``.
"""

from __future__ import annotations

import re

from bgs_hf._format import closest
from bgs_hf.errors import BGSInputError

#: the device kinds a typo is most likely meant for, in the order a suggestion prefers them
COMMON_KINDS = ("cpu", "cuda", "mps", "xpu")
#: words people write for "the GPU" that torch does not take: the machine's accelerator (else cuda) is meant
GPU_WORDS = ("gpu", "gpus", "nvidia")
#: torch's own kinds for no computing device: tests (meta) and no machine to check
UNCHECKED_KINDS = ("cpu", "meta")
#: other vendors' accelerators torch knows only through their own package (torch_xla, torch_npu): one letter from
#: ``xpu``, so ``--device tpu`` was asked "did you mean 'xpu'?" (Intel's GPU), then told there was no xpu device
OTHER_ACCELERATORS = ("tpu", "npu")
#: what a TPU is typed as: the kinds given the XLA line, not "unknown torch device"
XLA_WORDS = ("tpu", "xla")
#: the one line for a TPU, as ``--device tpu`` and ``--device xla`` (torch_xla's own name for it) alike
XLA_UNSUPPORTED = "XLA devices (torch_xla, TPUs) are not supported: use --device cpu or a cuda, mps or xpu device"


def accelerator_here() -> str | None:
    """The kind of accelerator torch can run on now, else None. Asked of ``is_available`` first: torch 2.6's
    ``current_accelerator()`` raised a RuntimeError where there was none, and later ones name the kind torch was
    built for even with no such device (an MPS build in a macOS VM)."""
    import torch

    try:
        return torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else None
    except RuntimeError:  # torch 2.6 on a build for a device it cannot find (an XPU build without one)
        return None


def _devices_of(kind: str) -> int | None:
    """How many ``kind`` devices torch can use here: 0 for none, None where torch cannot count them (an
    accelerator it finds but whose count it does not give). CUDA by ``torch.cuda``, every other kind by
    ``torch.accelerator``, which names the one kind of accelerator the machine has."""
    import torch

    if kind == "cuda":
        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    if accelerator_here() != kind:
        return 0
    try:
        count = int(torch.accelerator.device_count())
    except (AttributeError, RuntimeError):
        return None
    return count if count > 0 else None  # available, yet counted as none: its index is not checked


def _as_typed(device: str) -> tuple[str, str, str]:
    """A device string as its kind, ``:`` and index, read as a person typed it (case, spaces, ``cuda1``, a bare
    ``1``): one reading for the suggestion and the TPU line, so ``tpu0`` is told what ``tpu:0`` is."""
    text = device.strip().lower()
    if text.isdigit():  # torch.device(0) is cuda:0, the string "0" is refused
        return "gpu", ":", text
    if glued := re.fullmatch(r"([a-z]+)(\d+)", text):  # cuda1, gpu0
        return glued[1], ":", glued[2]
    return text.partition(":")


def suggest_device(device: str) -> str | None:
    """The device a string torch refused most likely meant (``CUDA:0`` -> ``cuda:0``, ``cude`` -> ``cuda``,
    ``gpu:1`` -> ``cuda:1``, or ``mps`` on a Mac), else None."""
    import torch

    kind, sep, index = _as_typed(device)
    if (sep and not index.isdigit()) or kind in OTHER_ACCELERATORS:
        return None
    if kind in GPU_WORDS:
        kind = accelerator_here() or "cuda"
    else:
        kind = kind if kind in COMMON_KINDS else closest(kind, COMMON_KINDS) or kind
    meant = f"{kind}:{index}" if sep else kind
    try:
        torch.device(meant)
    except RuntimeError:
        return None
    return meant  # never the string refused: that one torch did not parse


def no_cuda_reason() -> str:
    """Why torch sees no CUDA device, and what to do: a CPU-only build needs another torch; a GPU build (CUDA or
    ROCm) finding no GPU needs none. Shared by every ``--device cuda`` refusal, so each says the same."""
    import torch

    if torch.version.cuda is None and getattr(torch.version, "hip", None) is None:
        # cu126: a CUDA build of the pinned torch 2.13.0 for the widest range of drivers (cu124 stopped at an older
        # torch); torch is uninstalled first, as a CPU build of the same version satisfies `pip install torch`
        return (f"torch {torch.__version__} is CPU-only; install a CUDA build first, as the README says (`pip "
                "uninstall torch`, then `pip install torch --index-url https://download.pytorch.org/whl/cu126`, or "
                "the index matching your driver)")
    return f"torch {torch.__version__} is a GPU build but finds no GPU; check the driver and CUDA_VISIBLE_DEVICES"


def check_device(device: str) -> None:
    """Refuse, in one line, a torch device this machine cannot run on: a name torch does not know (with the one
    most likely meant), an accelerator kind torch finds none of, an index past the devices it counts, and XLA
    (torch_xla is not supported: torch's own check cannot see a TPU). ``cpu`` and ``meta`` always pass."""
    import torch

    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        if _as_typed(str(device))[0] in XLA_WORDS:  # tpu, TPU:0, tpu0; xla0 (torch takes xla, xla:0)
            raise BGSInputError(f"device {device!r}: {XLA_UNSUPPORTED}") from None
        meant = suggest_device(str(device))
        hint = f": did you mean {meant!r}?" if meant else ""
        raise BGSInputError(f"unknown torch device {device!r}{hint} (cpu, cuda, cuda:1, mps, xpu, ...)") from None
    kind, index = parsed.type, parsed.index
    if kind in UNCHECKED_KINDS:
        return
    if kind == "xla":  # no torch.accelerator reports a TPU: "torch finds no xla device" was untrue on one
        raise BGSInputError(f"device {device!r}: {XLA_UNSUPPORTED}")
    count = _devices_of(kind)
    if count == 0 and kind == "cuda":
        raise BGSInputError(f"device {device!r}: this torch build sees no CUDA device: {no_cuda_reason()}, or use "
                            "--device cpu")
    if count == 0:
        raise BGSInputError(f"device {device!r}: torch finds no {kind} device on this machine "
                            f"(accelerator: {accelerator_here() or 'none'}): use --device cpu")
    # `cuda:5` on two GPUs (mps:1 on a Mac, xpu:3 on one XPU) was torch's "invalid device ordinal" after loading
    if count is not None and index is not None and index >= count:
        name = kind.upper()
        which = f"{kind}:0" if count == 1 else f"{kind}:0 to {kind}:{count - 1}"
        raise BGSInputError(f"device {device!r}: torch sees {count} {name} device(s) on this machine ({which}): "
                            "use one of those, or --device cpu")
