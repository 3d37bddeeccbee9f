"""``bgs-hf data validate``: every problem in a dataset, not just the first."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bgs_hf._format import agree, count, quoted
from bgs_hf.data.checks import Problems, StopChecks
from bgs_hf.data.container import OddOneOutData
from bgs_hf.data.hub import TEST_DRAWN_FROM_HUB_TRAIN
from bgs_hf.data.splits import SplitConfig
from bgs_hf.errors import BGSInputError, is_finite_real, is_whole


def check_videos(data: OddOneOutData, problems: Problems, *, decode: bool = True,
                 first_frame: bool = False) -> None:
    """Videos named but missing, and (with ``decode``) files PyAV cannot decode a frame from, that show one frame (a
    still image) or whose last frame is cut short: the decoder's own refusals, which `train` and the Space would meet.
    ``first_frame`` (`data import`'s, over every clip it copies) decodes each file's first frame only, not the frame
    mid-clip (half the clip); the last frame is checked from the sample table (:func:`check_last_frame`), which a
    decode of the first or middle frame never reaches."""
    for row, cid, value in data.meta.get("videos_missing", []):
        problems.add(f"clip {quoted(cid)}: video {quoted(value)} missing", path=Path(data.root or ".") / "clips", row=row)
    if not decode:
        return
    from bgs_hf._bars import delayed_bar
    from bgs_hf.video.decode import check_first_frame, check_last_frame, decode_frames  # the one PyAV path

    named = [(cid, v) for cid, v in zip(data.clips["clip_id"], data.clips["video"]) if v]
    for cid, path in delayed_bar(named, desc="check videos", unit="clip", disable=len(named) < 20):
        try:
            check_first_frame(path) if first_frame else decode_frames(path, 1)
            check_last_frame(path)
        except BGSInputError as err:
            problems.add(f"clip {quoted(cid)}: {err.detail}", path=path)


def require_videos(data: Any, items: Iterable[int], purpose: str) -> None:
    """Refuse, in one line, clips among ``items`` without a video file, before any model loads: the paper's release
    ships none, and the first clip's absence came to light only once every model had loaded (and downloaded)."""
    videos = data.clips["video"]
    needed = sorted({int(c) for c in items})
    missing = [c for c in needed if videos[c] is None]
    if missing:
        raise BGSInputError(
            f"{len(missing):,} of the {count(len(needed), 'clip')} {purpose} {agree(len(missing), 'has', 'have')} "
            "no video file (first: "
            f"{quoted(data.clip_ids[missing[0]])}); BGS embeds the clips' frames: put the videos where the data's layout "
            "expects them (the paper's release: raw/videos/<video_name>, beside raw/utils/; a Hub layout: "
            "videos/<clip_id>)",
            path=getattr(data, "root", None))


def check_splits(data: OddOneOutData, problems: Problems, *, hint: str = "") -> None:
    """Empty train/test splits: every later command (train, evaluate, noise ceilings) needs both."""
    for split in ("train", "test"):
        clips = data.split_items(split)
        if len(clips) == 0:
            problems.add(f"split {split!r} is empty: 0 clips{hint or ' (check stimulus_set)'}", path=data.root)
        elif len(data.triplets(split)) == 0:
            problems.add(f"split {split!r} has {count(len(clips), 'clip')} but 0 valid judgments with all three "
                         f"clips inside it{hint}", path=data.root)


#: below this many valid judgments a split's noise ceiling and bootstrap CIs are too wide to read (the paper's
#: 50-clip test split has 368; the split-half ceiling needs pairs seen in both halves of the participants)
FEW_JUDGMENTS = 100


#: an R² interval at least this wide covers 90% of R²'s range (signed squared Spearman, -1 to 1): it says nothing
WIDE_R2_CI = 1.8


def split_size(n_clips: Any, n_judgments: Any) -> str:
    """How big a scored split is, from what its fit records: ``"50 clips, 348 judgments"``, only the counts recorded
    (an older bgs-hf's fit has no clip count), ``""`` for none. The small-split note and the model card name a
    split's size this one way."""
    return ", ".join(count(int(n), noun) for n, noun in ((n_clips, "clip"), (n_judgments, "judgment"))
                     if is_whole(n, floats=False))


def small_split_note(split: Any, n_clips: Any, n_judgments: Any, r2_cis: Iterable[Any]) -> str | None:
    """The one note below a printed fit (`baseline`, `evaluate`, a report) whose split is too small for its 95% CIs to
    say anything: under :data:`FEW_JUDGMENTS` valid judgments, or an R² interval nearly as wide as R²'s range. Five
    test clips printed an R² CI of [-1.0000, 1.0000] without a word; None for a split large enough (the demo's)."""
    def interval(ci: Any) -> bool:
        return isinstance(ci, (list, tuple)) and len(ci) == 2 and all(is_finite_real(x) for x in ci)

    wide = any(interval(ci) and ci[1] - ci[0] >= WIDE_R2_CI - 1e-9 for ci in r2_cis)  # 0.85 - -0.95 is 1.8 less an ulp
    if not (wide or (is_whole(n_judgments, floats=False) and n_judgments < FEW_JUDGMENTS)):
        return None
    size = split_size(n_clips, n_judgments)
    why = ("an R² interval spans most of R²'s range, -1 to 1" if wide else
           f"under {FEW_JUDGMENTS} judgments, the fewest `bgs-hf data validate` expects CIs to be read on")
    return f"note: the {split} split{f' ({size})' if size else ''} is too small for its 95% CIs to say anything ({why})"


def _split_seed(data: OddOneOutData) -> str:
    """``split seed N``: the seed a seeded train/test draw took (``split_seed``, else ``seed``), as the data recorded
    its split settings (:class:`SplitConfig`'s defaults when it recorded none)."""
    recorded = data.meta.get("split_config") or {}
    seed = recorded.get("split_seed")
    return f"split seed {recorded.get('seed', SplitConfig().seed) if seed is None else seed}"


def split_notes(data: OddOneOutData) -> list[str]:
    """Not problems, but what a newcomer's small or randomly drawn design costs: a val/test split too small to
    score, clips without a video file, and the judgments the by-clip split leaves unused (a judgment counts only
    when its three clips share a split). ``validate`` used to say OK to a design whose test split held one
    judgment."""
    notes = []
    n_test = len(data.split_items("test"))
    if data.meta.get("split_drawn"):  # e.g. a release without annotations.csv
        notes.append(f"no clip has a stimulus_set label: train/test is a seeded draw of clips ({_split_seed(data)}: "
                     f"{n_test:,} of {count(data.n_clips, 'clip')} test), not a split the data defines (label the "
                     "clips, or use `data import`, which stores its draw)")
    elif drawn_from := data.meta.get(TEST_DRAWN_FROM_HUB_TRAIN):  # Hub splits train + validation, no test
        notes.append(f"the clips config's Hub splits name no test split: its test clips are a seeded draw "
                     f"({_split_seed(data)}: {n_test:,} of the {count(drawn_from, 'train clip')}), not a split the "
                     "data defines (add a test split, or a stimulus_set column, to the clips config)")
    for split in ("val", "test"):
        clips = data.split_items(split)
        n = len(data.triplets(split)) if clips is not None and len(clips) else 0
        if clips is not None and len(clips) and n < FEW_JUDGMENTS:
            notes.append(f"split {split!r}: {count(n, 'valid judgment')} over {count(len(clips), 'clip')} (under "
                         f"{FEW_JUDGMENTS}): its noise ceiling and CIs will be too wide to read, or undefined")
    missing = [cid for cid, video in zip(data.clip_ids, data.clips["video"]) if video is None]
    if missing and len(missing) == data.n_clips:  # the paper's release ships no videos
        notes.append(f"none of the {data.n_clips} clips has a video file: the judgments-only analyses (stats, "
                     "ceilings, the caption baseline) run; training and evaluation need the videos")
    elif missing:  # was an INFO line only, and `train` stopped on them later
        has = agree(len(missing), "has", "have")  # "1 of 5 clips have" read wrong
        notes.append(f"{len(missing):,} of {count(data.n_clips, 'clip')} {has} no video file (first: {quoted(missing[0])}): "
                     "training and evaluation embed their frames, so put the videos where the layout expects them")
    total = len(data.triplets())
    mixed = data.mixed_judgments("fit", "test")
    if total and mixed > total / 2:
        notes.append(f"{mixed:,} of {total:,} valid judgments mix train and test clips and are unused (a judgment "
                     "counts only when its three clips share a split): judgments within fewer clips, or more "
                     "judgments per clip, keep more")
    return notes


def validate(
    source: str | Path, *, decode_videos: bool = True, split_config: SplitConfig | None = None
) -> tuple[OddOneOutData | None, list[BGSInputError]]:
    """Read ``source`` collecting every problem; returns the data (None if unreadable) and the problems.
    ``split_config`` is the split the data will be used with (its carve-out decides which splits are empty).
    A source that is not there (no such path, or a Hub id that does not download) raises BGSInputError: there is no
    data to check, and ``data validate`` exits 2 on it as ``data stats`` does, not 1 as for problems in the data."""
    from bgs_hf.data.loader import read_source
    from bgs_hf.errors import NoSuchSource

    problems = Problems(collect=True)
    data = None
    try:
        data = read_source(source, split_config or SplitConfig(), problems)
    except StopChecks:
        pass
    except NoSuchSource:  # nothing there to check: bad input
        raise
    except BGSInputError as err:  # raised outside a reader's row checks (source kind, splits, leakage)
        problems.items.append(err)
    if data is not None:
        if not data.meta.get("splits_unavailable"):  # bad labels are listed already; the rest is still checked
            check_splits(data, problems)
        check_videos(data, problems, decode=decode_videos)
    return data, problems.items
