"""Clip-level splits: train/test from ``stimulus_set`` (else seeded), a val carve-out, leakage check.

Splitting by clip, never by judgment row, is what keeps test clips unseen: a model fitted on train
judgments never embeds a test clip during training.

The val carve-out is a seeded draw (``val_split="seeded"``, the default) or the paper's v1 draw
(``val_split="paper"``): scikit-learn's ``train_test_split(sorted train clips, test_size=0.2,
random_state=42)``, as in the paper's code. On the paper's release that gives its 40 validation clips
(12,239 training / 175 validation judgments). On any other data the same recipe is applied to that data's
own train clips (sorted by clip index): reproducible, but it is only the paper's split on the paper's data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bgs_hf._format import count
from bgs_hf.errors import BGSInputError, BGSSettingError, is_whole

logger = logging.getLogger(__name__)

#: Every accepted ``stimulus_set`` label (any case, stripped) and the split it names.
STIMULUS_SET_ALIASES = {"train": "train", "training": "train", "test": "test", "testing": "test",
                        "val": "val", "valid": "val", "validation": "val"}

#: how the validation clips are carved out of train: a seeded draw, or the paper's v1 draw
VAL_SPLITS: tuple[str, ...] = ("seeded", "paper")
#: the paper's v1 draw: ``train_test_split(sorted train clips, test_size=0.2, random_state=42)``
PAPER_VAL_FRACTION = 0.2
PAPER_VAL_RANDOM_STATE = 42


@dataclass
class SplitConfig:
    """How clips are split. ``split_seed`` drives the train/test draw (only without ``stimulus_set``);
    ``val_split`` the validation carve-out of train: ``"seeded"`` (``val_fraction``, ``seed``) or ``"paper"``
    (the paper's v1 draw, see the module doc; ``seed`` plays no part in it)."""

    val_fraction: float = 0.2
    seed: int = 0
    split_seed: int | None = None
    test_fraction: float = 0.2
    val_split: str = "seeded"

    def __post_init__(self) -> None:
        check_val_split(self.val_split, self.val_fraction)
        if not 0.0 <= self.val_fraction < 1.0:
            raise BGSInputError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        if not 0.0 < self.test_fraction < 1.0:
            raise BGSInputError(f"test_fraction must be in (0, 1), got {self.test_fraction}")
        for name in ("seed", "split_seed"):
            value = getattr(self, name)
            if value is not None and not is_whole(value, floats=False):
                # 1.5 or "3" was numpy's "SeedSequence expects int or sequence of ints" at the first draw
                raise BGSInputError(f"{name} must be a whole number, got {value!r}")
            if value is not None and value < 0:
                raise BGSInputError(f"{name} must be >= 0, got {value}")


def check_val_split(val_split: str, val_fraction: float) -> None:
    """Refuse an unknown ``val_split``, and a ``val_fraction`` the paper's draw would not hold out (a
    :class:`BGSSettingError`: a command names the settings as its flags)."""
    if val_split not in VAL_SPLITS:
        def say(n: Callable[..., str]) -> str:
            return f"{n('val_split')} must be {' or '.join(repr(v) for v in VAL_SPLITS)}, got {val_split!r}"
    elif val_split == "paper" and val_fraction != PAPER_VAL_FRACTION:
        def say(n: Callable[..., str]) -> str:
            return (f"{n('val_split', 'paper')} holds out the paper's {PAPER_VAL_FRACTION} of train clips, not "
                    f"{n('val_fraction', val_fraction)}: drop {n('val_fraction')} (or use {n('val_split', 'seeded')})")
    else:
        return
    raise BGSSettingError(say)


def val_method(split_config: Mapping[str, Any] | None, *, from_labels: bool) -> str:
    """How the validation clips were chosen, in words (``data stats``, ``run_config.json``, the model card). The
    paper's recipe is named as a recipe: only on the paper's release does it give the paper's own clips."""
    if from_labels:
        return "from the stimulus_set labels"
    cfg = split_config or {}
    if cfg.get("val_split") == "paper":
        return f"the paper's v1 recipe: scikit-learn train_test_split, random_state {PAPER_VAL_RANDOM_STATE}"
    return f"seed {cfg['seed']}" if cfg.get("seed") is not None else "drawn how: not recorded"


def labels_name_val(stimulus_set: Sequence[object]) -> bool:
    """Whether the data's own ``stimulus_set`` labels name validation clips (then no carve-out is drawn)."""
    return any(STIMULUS_SET_ALIASES.get(_label_key(v)) == "val" for v in stimulus_set)


def _label_key(value: object) -> str | None:
    """A ``stimulus_set`` label as :data:`STIMULUS_SET_ALIASES` spells it (stripped, lower case); None for no label
    (None, NaN, blank), so that reading, listing and asking about labels agree on which clips have one."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value).strip().lower() or None


def normalise_stimulus_set(values: Sequence[object], *, path: str | Path | None = None) -> list[str | None]:
    """Map free-form split labels to ``train``/``val``/``test``; empty or missing -> None."""
    out: list[str | None] = []
    for row, v in enumerate(values, start=1):
        key = _label_key(v)
        if key is not None and key not in STIMULUS_SET_ALIASES:
            raise BGSInputError(f"stimulus_set {v!r} is not train/val/test", path=path, row=row)
        out.append(None if key is None else STIMULUS_SET_ALIASES[key])
    return out


def unknown_labels(values: Sequence[object]) -> list[int]:
    """Positions of labels that are neither empty nor a known split name (what ``validate`` lists)."""
    return [i for i, v in enumerate(values) if (key := _label_key(v)) is not None and key not in STIMULUS_SET_ALIASES]


def assign_splits(
    stimulus_set: Sequence[str | None], config: SplitConfig | None = None, *, path: str | Path | None = None
) -> dict[str, np.ndarray]:
    """Return ``{"train", "val", "test"}`` sorted clip-index arrays; ``train`` excludes ``val``.

    Train/test come from ``stimulus_set`` when every clip has one, from a seeded draw when none has;
    a partial labelling is an error (it would silently move clips between splits).
    """
    cfg = config or SplitConfig()
    train, val, test = _labelled_or_drawn(normalise_stimulus_set(stimulus_set, path=path), cfg, path)
    if len(val) and cfg.val_split == "paper":
        n_val = len(val)
        raise BGSSettingError(lambda n: f"stimulus_set names {count(n_val, 'val clip')}: {n('val_split', 'paper')} draws "
                                          f"validation from the train clips itself; drop the val labels or use "
                                          f"{n('val_split', 'seeded')}", path=path)
    if len(val) == 0:
        if cfg.val_split == "paper":
            train, val = paper_val(train)
        else:
            train, val = carve_val(train, cfg.val_fraction, cfg.seed)
    splits = {
        "train": train.astype(np.int64),
        "val": np.sort(val).astype(np.int64),
        "test": test.astype(np.int64),
    }
    check_no_leakage(splits)
    return splits


def partial_labelling(missing: Sequence[int], n: int, path: str | Path | None) -> BGSInputError:
    """The refusal of a labelling that leaves ``missing`` (clip indices, ascending) of ``n`` clips unlabelled; also
    listed by ``validate`` for the clips left blank beside labels it has already listed as unknown."""
    return BGSInputError(
        f"stimulus_set missing for {len(missing)} of {n} clips (first: clip index {missing[0]}); "
        "label all clips or none",
        path=path,
    )


def _labelled_or_drawn(
    labels: Sequence[str | None], cfg: SplitConfig, path: str | Path | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train, val and test clips as the labels name them, or, with no labels at all, a seeded train/test draw (no
    val yet). Some clips labelled and others not is refused: either reading would move clips between splits."""
    n = len(labels)
    missing = [i for i, v in enumerate(labels) if v is None]
    if missing and len(missing) < n:
        raise partial_labelling(missing, n, path)
    if not missing:
        arr = np.asarray(labels, dtype=object)
        return np.flatnonzero(arr == "train"), np.flatnonzero(arr == "val"), np.flatnonzero(arr == "test")
    test = seeded_test(n, cfg)
    train = np.setdiff1d(np.arange(n), test)
    # said by the caller, which knows whether the draw is a stand-in for missing labels or an import's to store
    logger.debug("seeded split, %d train / %d test clips", len(train), len(test))
    return train, np.empty(0, dtype=np.int64), test


def seeded_test(n: int, cfg: SplitConfig) -> np.ndarray:
    """The test positions of ``n`` clips (sorted) a seeded draw takes: ``split_seed`` (else ``seed``) and
    ``test_fraction``. One draw for unlabelled clips and for a Hub layout whose splits name no test clip."""
    rng = np.random.default_rng(cfg.seed if cfg.split_seed is None else cfg.split_seed)
    return np.sort(rng.permutation(n)[: int(round(cfg.test_fraction * n))])


def carve_val(train: np.ndarray, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Hold out ``round(val_fraction * len(train))`` train clips as validation, deterministically."""
    if not 0.0 <= val_fraction < 1.0:
        raise BGSInputError(f"val_fraction must be in [0, 1), got {val_fraction}")
    if seed < 0:
        raise BGSInputError(f"seed must be >= 0, got {seed}")
    train = np.sort(np.asarray(train, dtype=np.int64))
    n_val = int(round(val_fraction * len(train)))
    if n_val >= len(train) and len(train):  # rounding must never take every training clip
        logger.warning("val_fraction %.3g of %d train clips rounds to all of them: holding out %d",
                       val_fraction, len(train), len(train) - 1)
        n_val = len(train) - 1
    chosen = np.random.default_rng(seed).permutation(len(train))[:n_val]
    val = np.sort(train[chosen])
    return np.setdiff1d(train, val), val


def paper_val(train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The paper's v1 validation draw: ``train_test_split(sorted train clips, test_size=0.2, random_state=42)``
    (its code draws from the clip ids of ``train_triplets.csv``; on the release those are its 200 train clips)."""
    from sklearn.model_selection import train_test_split

    train = np.sort(np.asarray(train, dtype=np.int64))
    if len(train) < 2:
        n_train = len(train)
        raise BGSSettingError(lambda n: f"{n('val_split', 'paper')} needs at least 2 train clips, got {n_train}")
    _, val = train_test_split(train, test_size=PAPER_VAL_FRACTION, random_state=PAPER_VAL_RANDOM_STATE)
    val = np.sort(val)
    logger.info("val_split 'paper': %d of %d train clips held out by the paper's v1 recipe", len(val), len(train))
    return np.setdiff1d(train, val), val


def check_no_leakage(splits: Mapping[str, np.ndarray]) -> None:
    """Refuse splits that share a clip: a shared clip leaks test (or val) information into training."""
    names = [k for k in ("train", "val", "test") if k in splits] + [
        k for k in splits if k not in ("train", "val", "test", "fit")
    ]
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            both = np.intersect1d(splits[a], splits[b])
            if both.size:
                shown = ", ".join(str(x) for x in both[:5])
                raise BGSInputError(
                    f"split leakage: {count(int(both.size), 'clip')} in both {a!r} and {b!r} (clip indices {shown}"
                    f"{', ...' if both.size > 5 else ''})"
                )


def inside(idx: np.ndarray, items: np.ndarray, n_items: int) -> np.ndarray:
    """Boolean mask over triplets (n, 3): all three clips in ``items``."""
    member = np.zeros(n_items, dtype=bool)
    member[np.asarray(items, dtype=np.int64)] = True
    return member[idx].all(axis=1)


def mixed_count(idx: np.ndarray, a: np.ndarray, b: np.ndarray, n_items: int) -> int:
    """Triplets inside ``a`` ∪ ``b`` that lie wholly inside neither (dropped by a by-clip split)."""
    union = inside(idx, np.union1d(a, b), n_items)
    return int((union & ~inside(idx, a, n_items) & ~inside(idx, b, n_items)).sum())
