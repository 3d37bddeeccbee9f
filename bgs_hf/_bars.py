"""Other libraries' progress bars that only say "working": transformers' "Loading weights" (every
``from_pretrained``: the default backbone, MiniLM, each saved checkpoint's base) and datasets' "Casting the dataset"
/ "Map". Ours (render, embedding N clips) and the Trainer's step bar are other objects and stay; those of ours that
are often over at once are drawn by :func:`delayed_bar`, only once they have taken ``BAR_DELAY_S``.

Only for a span and given back after: a Python user's own switches are theirs. Nothing here imports transformers or
datasets; :func:`third_party_bars_off` switches a library when (and if) it is imported, so that ``bgs-hf synth``
does not pay a second to import libraries only to quiet them.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

#: what turns a switched library's bars back on
Restore = Callable[[], object]

#: Seconds before a :func:`delayed_bar` is first drawn (tqdm's ``delay``)
BAR_DELAY_S = 1.0


def delayed_bar(iterable: Iterable[Any] | None = None, **kwargs: Any) -> Any:
    """A ``tqdm.auto`` bar for our loops that are often over at once, drawn only once the work has taken
    ``BAR_DELAY_S``: the ceiling's 100 split-halves (about 0.01 s) drew a bar twice per ``train_bgs`` call and once
    per ``behavioural_fit``, noise in a notebook, while a large dataset's still shows its progress. Other tqdm
    arguments (``disable``, a ``delay`` of the caller's) are passed on."""
    from tqdm.auto import tqdm

    return tqdm(iterable, **{"delay": BAR_DELAY_S, **kwargs})


def close_open_bars() -> None:
    """Close every tqdm bar still drawn (innermost first), so that the line printed next starts on a line of its
    own. A failed command's bar can outlive the failure: one iterated by a comprehension (the pixel baseline's decode)
    or held by an object (the Trainer's step bar) stays open while the traceback keeps its frame, and the CLI's
    ``error:`` line was written after the bar on the same line, the bar drawn again under it at exit. tqdm is not
    imported here: without it no bar was made."""
    std = sys.modules.get("tqdm.std")
    if std is None:
        return
    for bar in sorted(list(std.tqdm._instances), key=lambda b: -abs(getattr(b, "pos", 0))):
        try:
            bar.close()
        except (OSError, ValueError):  # a stream gone: nothing to tidy, and the error line must still be said
            pass


def _no_bar(factory: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """transformers' tqdm hook: the bar it asked for, made and switched off (a hook must still return a bar)."""
    return factory(*args, **{**kwargs, "disable": True})


def transformers_bars_off(hf_logging: ModuleType | None = None) -> Restore:
    """transformers' own bars, through its tqdm hook: its global switch (``disable_progress_bar``) also turns
    huggingface_hub's download bars off, and its ``enable_progress_bar`` turns them back on for a user who had
    turned them off. The Trainer's step bar is plain tqdm and stays. (An older transformers: the bars stay.)"""
    if hf_logging is None:
        from transformers.utils import logging as hf_logging
    set_hook = getattr(hf_logging, "set_tqdm_hook", None)
    if set_hook is None:
        return lambda: None
    previous = set_hook(_no_bar)
    return lambda: set_hook(previous)


def datasets_bars_off(datasets_tqdm: ModuleType) -> Restore:
    """datasets' bars (``datasets.utils.tqdm``); left alone where they are off already or
    ``HF_DATASETS_DISABLE_PROGRESS_BARS`` chose (datasets would refuse, with a warning)."""
    if datasets_tqdm.are_progress_bars_disabled() or getattr(datasets_tqdm, "HF_DATASETS_DISABLE_PROGRESS_BARS",
                                                               None) is not None:
        return lambda: None
    datasets_tqdm.disable_progress_bars()
    return datasets_tqdm.enable_progress_bars


#: module whose import a switch waits for -> the switch
SWITCHES: dict[str, Callable[[ModuleType], Restore]] = {
    "transformers.utils.logging": transformers_bars_off,
    "datasets.utils.tqdm": datasets_bars_off,
}


class _OnImport(importlib.abc.MetaPathFinder):
    """Runs ``switch(module)`` right after ``name`` is imported (the first time: then it is in ``sys.modules``)."""

    def __init__(self, name: str, switch: Callable[[ModuleType], Restore], restores: list[Restore]) -> None:
        self.name, self.switch, self.restores, self.done = name, switch, restores, False

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name or self.done:
            return None
        self.done = True  # also keeps the search below from coming back here
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec  # not a plain file module: imported as it would be, bars on
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            self.restores.append(self.switch(module))

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]  # this module's loader only
        return spec


@contextmanager
def third_party_bars_off() -> Iterator[None]:
    """transformers' and datasets' bars off inside the block (imported already, or when first imported in it),
    each as it was after."""
    restores: list[Restore] = []
    finders = []
    for name, switch in SWITCHES.items():
        module = sys.modules.get(name)
        if module is not None:
            restores.append(switch(module))
        else:
            finders.append(_OnImport(name, switch, restores))
    sys.meta_path[:0] = finders
    try:
        yield
    finally:
        for finder in finders:
            sys.meta_path.remove(finder)
        for restore in reversed(restores):
            restore()
