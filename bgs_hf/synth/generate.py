"""Write a SocialShapes benchmark in the paper's release layout (or the Hub layout), deterministically.

Layout under ``out_dir`` (file names and columns exactly as the Garcia & Isik release)::

    data/interim/similarity/{all,train,test}_triplets.csv
    data/raw/utils/{video_mapping,annotations,captions,train,test,train_stimulus_data,test_stimulus_data}.csv
    data/raw/videos/ss_0000.mp4 ...
    ground_truth.json      config, seed and every scene's parameters (the generative truth)
    ground_truth.parquet   one row per clip: interaction, parameters, nuisance, latent-<attr> (true latents)
    agent_masks.npz        per-frame agent identity maps (see :func:`save_agent_masks`)
    contact_sheet.png      sample frames labelled with interaction and scene
    README.md              what the benchmark is

Everything derives from ``seed`` through independent child generators (scenes, latents, ratings,
captions, design, choices), so changing e.g. the observer settings leaves the videos unchanged.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import shutil
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bgs_hf._files import built_in_place, require_new_folder
from bgs_hf._format import count
from bgs_hf._process import exit_with_parent
from bgs_hf.errors import BGSInputError, BGSSettingError, is_whole
from bgs_hf.synth.budget import check_budget, estimate, estimate_socialshapes
from bgs_hf.synth.captions import make_captions, normalise_caption
from bgs_hf.synth.latents import RATING_ATTRS, SOCIAL_ATTRS, latent_attributes, rated, social_space
from bgs_hf.synth.observers import make_design, simulate_choices
from bgs_hf.synth.render import render_scene, write_video
from bgs_hf.synth.scene import INTERACTIONS, TYPE_PARAM_RANGES, Scene, SynthConfig, sample_scene

if TYPE_CHECKING:
    from bgs_hf.data.hub import DatasetCardInfo

logger = logging.getLogger(__name__)

#: Bumped whenever a seed's files change. 3: videos encoded without x264's macroblock-tree rate control,
#: which made version 2's pixels differ between generations of the same seed. 4: an agent's eye dot, which
#: reaches past its body's edge, is labelled as the agent in agent_masks.npz (videos and tables as in 3). 5: a chase
#: caption names the pursuer as the chaser (it named the agent in front); videos and judgments as in 4. 6: colour
#: words by hue ranges (yellow agents were "orange"); videos and judgments as in 4. 7: an agent standing still is
#: judged by its speed per clip, not per frame, so clips of more than 16 frames no longer snap slow walkers to a fixed
#: heading; at the default 16 frames every file but the version stamps is as in 6.
GENERATOR_VERSION = "socialshapes-7"
TRIPLET_COLUMNS = [
    "participation",
    "task",
    "trial",
    "stim1_name",
    "stim2_name",
    "stim3_name",
    "choice",
    "response_time",
    "catch_trial_flag",
    "token",
    "survey_code",
]
ANNOTATION_COLUMNS = [
    "video_name",
    *[f"rating-{a}" for a in RATING_ATTRS[:9]],
    "stimulus_set",
    "captions",
    "rating-intimacy",
    "rating-dominance",
]


def _output_settings(config: SynthConfig) -> dict[str, Any]:
    """The ``config`` fields that shape a benchmark's files: all but ``workers``, which changes only how fast they are
    made (so two runs that differ in it are the same benchmark, calibrated or not)."""
    return {k: v for k, v in config.to_dict().items() if k != "workers"}


def socialshapes_card_info(seed: int | None, config: SynthConfig | dict | None = None,
                           n_clips: int | None = None) -> DatasetCardInfo:
    """The dataset card's origin, licence and description for a SocialShapes instance (synthetic, ours): with
    its generator version and, given its config, the command that makes it again. The observers are called
    calibrated to the Garcia & Isik release only when every setting that shapes the files is the default."""
    from bgs_hf.data.hub import DatasetCardInfo

    if isinstance(config, dict):  # from ground_truth.json, maybe of another generator version
        readable = set(config) <= {f.name for f in fields(SynthConfig)}
        try:  # a benchmark made before SynthConfig checked its ranges may hold one it now refuses
            config = SynthConfig(**config) if readable else None
        except BGSInputError:
            readable, config = False, None
    else:
        readable = True
    if not readable:
        observers = "odd-one-out judgments by simulated observers (their settings are in ground_truth.json)"
    elif config is None or _output_settings(config) == _output_settings(SynthConfig()):
        observers = "odd-one-out judgments by simulated observers calibrated to the Garcia & Isik release"
    else:
        # a setting of the clips or the split (--size, --test-fraction) leaves the observers as they were
        observers = ("odd-one-out judgments by simulated observers, in a benchmark made with non-default settings "
                     "(not the calibration to the Garcia & Isik release)")
    regenerate = f" Generator `{GENERATOR_VERSION}`."
    if config is not None and seed is not None and n_clips is not None:
        regenerate = (f" Generator `{GENERATOR_VERSION}`; regenerate with "
                      f"{regenerate_command(config, seed, n_clips, 'hub')}.")
    clips = f"{(config or SynthConfig()).duration_s:g}-second clips" if readable else "clips"
    # the release's tags, but its judgments are simulated: not `human-similarity` (the Hub's tag filter)
    tags = [t for t in DatasetCardInfo().tags if t != "human-similarity"] + ["simulated-judgments", "synthetic"]
    return DatasetCardInfo(
        pretty_name="SocialShapes" if seed is None else f"SocialShapes (seed {seed})",
        tags=tags,
        license="apache-2.0",
        license_name=None,
        license_note="Synthetic data generated by bgs-hf: no third-party rights (Apache-2.0, like the code).",
        citation="",
        description=(
            f"SocialShapes: synthetic {clips} of simple agents whose social interaction (chase, "
            "fight, hug, help, avoid, ignore, follow, talk) is shown only through motion and facing, "
            f"over scene context sampled independently of it; {observers}.{regenerate}"
        ),
    )


# ------------------------------------------------------------------------------------------ rendering
def _render_one(job: tuple[Scene, SynthConfig, str]) -> np.ndarray:
    """Worker: render one clip, write its video, return the agent label maps."""
    scene, config, path = job
    clip = render_scene(scene, config)
    write_video(path, clip.frames, config.fps, crf=config.crf)
    return clip.agent_labels


def render_all(
    scenes: list[Scene], config: SynthConfig, paths: list[Path], *, desc: str = "render"
) -> np.ndarray:
    """Render and encode every scene to its path, in ``config.workers`` processes; returns labels (N,T,H,W)."""
    from tqdm.auto import tqdm

    if len(paths) != len(scenes):
        raise ValueError(f"{len(scenes)} scenes but {len(paths)} video paths")
    jobs = [(s, config, str(p)) for s, p in zip(scenes, paths)]
    if config.workers > 1 and len(jobs) > 8:  # a pool is not worth starting for a handful of clips
        labels = _render_in_processes(jobs, config.workers, desc)
    else:
        labels = [_render_one(j) for j in tqdm(jobs, desc=desc, unit="clip")]
    return np.stack(labels)


def _render_to_file(job: tuple[Scene, SynthConfig, str], labels_path: str) -> None:
    """Worker: ``_render_one``, its label maps saved to ``labels_path`` rather than returned (see below)."""
    np.save(labels_path, _render_one(job), allow_pickle=False)


def _render_in_processes(jobs: list[tuple[Scene, SynthConfig, str]], workers: int, desc: str) -> list[np.ndarray]:
    """``_render_one`` over ``jobs`` in ``workers`` forked processes, in order.

    A ``ProcessPoolExecutor``, not ``multiprocessing.Pool``: when a worker dies (the OOM killer, a signal) the Pool
    waits forever for the clips it held, while the executor stops with ``BrokenProcessPool``. But only if the dead
    worker left no half-sent result in the pipe: the executor's thread then waits for the rest of that message
    forever (it holds the pipe's write end itself, so no end-of-file comes) and the run hangs. So the workers send
    back nothing but ``None`` (a message far under ``PIPE_BUF``, which a pipe writes whole or not at all) and pass
    the label maps, kilobytes per clip, through ``.npy`` files in a temporary folder.
    Forked (where the platform can), so a user's script that calls us without an ``if __name__ == "__main__"`` guard
    is not re-run in every worker; with fork the executor starts all its workers before its own thread.
    """
    import tempfile
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from tqdm.auto import tqdm

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)
    labels = []
    with tempfile.TemporaryDirectory(prefix="bgs-agent-labels-") as folder:
        files = [str(Path(folder) / f"{i}.npy") for i in range(len(jobs))]
        pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=exit_with_parent, initargs=(os.getpid(),))
        try:
            # Futures of our own, not ``pool.map``: when the pool breaks, map's iterator cancels its pending futures
            # while the executor's thread is marking them failed, and on CPython < 3.12 that thread then dies of an
            # InvalidStateError before it terminates the surviving worker: the error was printed, then the process
            # hung at exit waiting for that worker (once in a full test run).
            futures = [pool.submit(_render_to_file, job, file) for job, file in zip(jobs, files)]
            for future, file in zip(tqdm(futures, desc=desc, unit="clip"), files):
                future.result()
                labels.append(np.load(file))
                os.unlink(file)
        except BrokenProcessPool:
            raise ChildProcessError(f"one of the {workers} rendering processes stopped before its clips were "
                                    f"written (killed: out of memory?); run again, or with --workers 1 to render "
                                    f"in this process") from None
        finally:  # Ctrl-C or an error: the clips not yet started are dropped, not rendered before we stop
            pool.shutdown(cancel_futures=True)
    return labels


def save_agent_masks(path: str | Path, labels: np.ndarray, video_names: list[str]) -> Path:
    """Store per-frame agent identity maps compactly.

    ``agent_masks.npz`` (zip-deflated) holds ``labels``: uint8 (N,T,H,W), 0 = background, k = agent k-1
    (visible pixels after occlusion; agents 0 and 1 interact, 2 is a bystander), and ``video_name``
    (N,) in row order. Mostly zeros, so it compresses ~90x. ``labels == k + 1`` is agent k's mask.
    """
    path = Path(path)
    np.savez_compressed(path, labels=labels.astype(np.uint8), video_name=np.array(video_names))
    return path


def load_agent_masks(path: str | Path) -> tuple[np.ndarray, list[str]]:
    """(labels uint8 (N,T,H,W), video names) from :func:`save_agent_masks` output."""
    with np.load(Path(path), allow_pickle=False) as z:
        return z["labels"], [str(v) for v in z["video_name"]]


def contact_sheet(
    path: str | Path,
    scenes: list[Scene],
    config: SynthConfig,
    labels: list[str] | None = None,
    *,
    n_frames: int = 6,
    scene_configs: list[SynthConfig] | None = None,
) -> Path:
    """A PNG grid: one row per clip (first clip of each label), ``n_frames`` frames across time.

    ``scene_configs`` gives each scene its own render config where they differ (the abstract set's
    generalisation clips have larger agents); otherwise ``config`` renders every row."""
    from bgs_hf.viz.figure import LABEL_PT, TEXT_PT, subplots, tight_layout
    from bgs_hf.viz.matrices import save_figure

    if scene_configs is not None and len(scene_configs) != len(scenes):
        raise ValueError(f"{len(scene_configs)} scene configs for {len(scenes)} scenes")
    labels = labels or [s.interaction for s in scenes]
    first_of_label: dict[str, int] = {}  # the row of each label: its first clip, in order of first appearance
    for i, label in enumerate(labels):
        first_of_label.setdefault(label, i)
    rows = list(first_of_label.values())
    frame_indices = np.linspace(0, config.num_frames - 1, n_frames).round().astype(int)
    fig, axes = subplots(len(rows), n_frames, figsize=(1.3 * n_frames, 1.45 * len(rows)), squeeze=False)
    for r, i in enumerate(rows):
        scene = scenes[i]
        frames = render_scene(scene, scene_configs[i] if scene_configs else config).frames
        for c, f in enumerate(frame_indices):
            ax = axes[r, c]
            ax.imshow(frames[f], interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"t={float(f / config.fps):.1f}s", fontsize=TEXT_PT)
        # TEXT_PT: 7-8 pt was 11 px at 110 dpi, under the report figures' sizes; "energy" in full: "e=" was unclear
        axes[r, 0].set_ylabel(f"{labels[i]}\n{scene.scene_kind}, energy {scene.energy:.2f}", fontsize=TEXT_PT)
    fig.suptitle("SocialShapes: one clip per label (rows) over time (columns)", fontsize=LABEL_PT)
    tight_layout(fig)
    path = Path(path)
    save_figure(fig, path, dpi=110)
    return path


# ------------------------------------------------------------------------------------------ benchmark
def count_test_clips(n_clips: int, test_fraction: float) -> int:
    """How many of ``n_clips`` clips the test split takes (rounded, so small benchmarks get a whole clip count)."""
    return int(round(n_clips * test_fraction))


def stratified_test_split(types: np.ndarray, test_fraction: float, rng: np.random.Generator) -> np.ndarray:
    """bool (N,) test flags: about ``test_fraction`` of clips, spread evenly over interaction types."""
    n = types.size
    n_test = count_test_clips(n, test_fraction)
    order = np.lexsort((rng.random(n), types))  # clips grouped by type, random within type
    step = n / max(n_test, 1)
    offset = rng.random() * step
    picks = order[np.minimum((offset + step * np.arange(n_test)).astype(int), n - 1)]
    flags = np.zeros(n, bool)
    flags[picks] = True
    return flags


def _split_and_design(
    scenes: list[Scene], config: SynthConfig, rngs: dict[str, np.random.Generator]
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Interaction types, test flags and trial design of the scenes: all that decides which judgments each split
    holds, with no latents or choices (each comes from its own child generator, so drawing these alone is exact)."""
    types = np.array([INTERACTIONS.index(s.interaction) for s in scenes])
    test = stratified_test_split(types, config.test_fraction, rngs["split"])
    return types, test, make_design(len(scenes), rngs["design"], config)


def _benchmark_tables(
    scenes: list[Scene], config: SynthConfig, rngs: dict[str, np.random.Generator], names: list[str]
) -> dict[str, Any]:
    """Latents, ratings, captions, split and simulated judgments for the given scenes."""
    from bgs_hf.synth.scene import trajectories

    latent_rows, rating_rows, captions = [], [], []
    for s in scenes:
        pos, head = trajectories(s, config)
        latent = latent_attributes(s, pos, head, rngs["latents"])
        latent_rows.append(latent)
        rating_rows.append(rated(latent, rngs["ratings"], config))
        captions.append(make_captions(s, rngs["captions"], config.captions_per_clip, config.caption_vague_rate))
    types, test, design = _split_and_design(scenes, config, rngs)
    stimulus_set = np.where(test, "test", "train")
    latents = pd.DataFrame(latent_rows)
    z = social_space(
        latents[list(SOCIAL_ATTRS)].to_numpy(),
        types,
        np.array([[s.energy, s.closeness, s.facing] for s in scenes]),
        type_weight=config.type_weight,
    )
    trials = simulate_choices(design, z, rngs["choices"], config)
    _add_release_bookkeeping(trials, rngs["design"])
    return {
        "latents": latents,
        "ratings": pd.DataFrame(rating_rows),
        "captions": captions,
        "stimulus_set": stimulus_set,
        "trials": trials,
        "z": z,
        "names": names,
    }


def _add_release_bookkeeping(trials: pd.DataFrame, rng: np.random.Generator) -> None:
    """The release's columns that carry no judgment, filled as it fills them, in place: ``catch_trial_flag`` always
    False, a ``token`` that several participants share and one ``survey_code`` per participant. ``rng`` is the design's
    generator, drawn after the design (so these draws come last, and the design is the same without them)."""
    participants = list(dict.fromkeys(trials["participation"]))
    token = {p: f"p{k % 40 + 1}" for k, p in enumerate(participants)}
    survey_code = {p: float(c) for p, c in zip(participants, rng.integers(1000, 10000, len(participants)))}
    trials["catch_trial_flag"] = False  # as in the release: catch trials are never flagged
    trials["token"] = trials["participation"].map(token)
    trials["survey_code"] = trials["participation"].map(survey_code)


def split_judgments(tabs: dict[str, Any]) -> dict[str, np.ndarray]:
    """Per split (train, test), which rows of ``tabs["trials"]`` are its judgments: three distinct clips, all in
    the split (its ``{split}_triplets.csv``; a catch trial repeats a clip, so it is in neither)."""
    stim = tabs["trials"][["stim1_name", "stim2_name", "stim3_name"]].to_numpy()
    distinct = (stim[:, 0] != stim[:, 1]) & (stim[:, 0] != stim[:, 2]) & (stim[:, 1] != stim[:, 2])
    is_test = tabs["stimulus_set"] == "test"
    return {split: distinct & flags[stim].all(axis=1) for split, flags in (("train", ~is_test), ("test", is_test))}


#: How far :func:`more_clips_with_judgments` looks: this many clip counts above the one asked for.
MORE_CLIPS_TRIED = 25
#: The grid :func:`nearest_test_fraction_with_judgments` tries test fractions on.
TEST_FRACTION_STEP = 0.05


def judgments_per_split(n_clips: int, seed: int, config: SynthConfig) -> dict[str, int]:
    """How many judgments each split (train, test) of the benchmark ``(n_clips, seed, config)`` holds, from its
    scenes' types, its split and its trial design alone: no pixels, latents or choices (milliseconds at 40 clips)."""
    rngs = _child_rngs(seed)
    _, test, design = _split_and_design(_draw_scenes(n_clips, rngs, config), config, rngs)
    rows = split_judgments({"trials": design, "stimulus_set": np.where(test, "test", "train")})
    return {split: int(keep.sum()) for split, keep in rows.items()}


def more_clips_with_judgments(n_clips: int, seed: int, config: SynthConfig) -> tuple[int, dict[str, int]] | None:
    """The fewest clips above ``n_clips`` (up to ``MORE_CLIPS_TRIED`` more) whose benchmark at this seed gives every
    split a judgment, with its judgments per split; ``None`` if none does. Drawn, not a rule: a triplet lies in the
    test split only if all three of its clips do (about test_fraction³ of the triplets the observers see, drawn over
    all clips), so the count grows with the clips but no clip count is safe for every seed (seed 0: none at 40 clips,
    one at 30)."""
    for more in range(n_clips + 1, n_clips + 1 + MORE_CLIPS_TRIED):
        counts = judgments_per_split(more, seed, config)
        if all(counts.values()):
            return more, counts
    return None


def nearest_test_fraction_with_judgments(n_clips: int, seed: int, config: SynthConfig) -> tuple[float, dict[str, int]] | None:
    """The nearest test fraction on a ``TEST_FRACTION_STEP`` grid (above ``config.test_fraction`` when the test split
    has no judgment, below when the training split has none) that gives every split of this benchmark a judgment,
    with its judgments per split; ``None`` if none does, or if both splits have none. Only the split changes: the
    scenes and the observers' design are drawn from generators of their own."""
    counts = judgments_per_split(n_clips, seed, config)
    grid = np.round(np.arange(1, round(1 / TEST_FRACTION_STEP)) * TEST_FRACTION_STEP, 6)
    if counts["test"] and not counts["train"]:
        tried = grid[grid < config.test_fraction][::-1]
    elif counts["train"] and not counts["test"]:
        tried = grid[grid > config.test_fraction]
    else:
        tried = grid[:0]
    for fraction in tried.tolist():
        counts = judgments_per_split(n_clips, seed, replace(config, test_fraction=fraction))
        if all(counts.values()):
            return fraction, counts
    return None


def warn_of_splits_without_judgments(tabs: dict[str, Any], seed: int, config: SynthConfig) -> None:
    """A small benchmark's split can hold no judgment at all (2 test clips at 10-12 clips, or 3 that no trial
    shows together; 40 clips at seed 0): it is written, but ``data validate`` reports the split, and nothing can be
    trained or scored on it. Said when the tables are made, before the clips are rendered, with the nearest clip
    count and test fraction whose drawn designs do give every split judgments at this seed."""
    empty = [split for split, keep in split_judgments(tabs).items() if not keep.any()]
    if not empty:
        return
    n_clips = len(tabs["names"])
    options = []
    for option, words in ((more_clips_with_judgments(n_clips, seed, config), "{} clips"),
                          (nearest_test_fraction_with_judgments(n_clips, seed, config), "a test fraction of {:g}")):
        if option is not None:
            value, counts = option
            got = ", ".join(count(counts[s], f"{'training' if s == 'train' else s} judgment") for s in empty)
            options.append(f"{words.format(value)} ({got})")
    advice = (f"at this seed {' or '.join(options)} would give every split judgments (their designs drawn, not "
              "rendered)" if options else f"no clip count up to {n_clips + MORE_CLIPS_TRIED} nor test fraction "
              "gives every split judgments at this seed: try another seed")
    is_test = tabs["stimulus_set"] == "test"
    for split in empty:
        n_split = int(is_test.sum() if split == "test" else (~is_test).sum())
        logger.warning("SocialShapes: no judgment has all three clips in the %s split (%s): `bgs-hf data validate` "
                       "will report it, and nothing can be trained or scored on it; %s", split, count(n_split, "clip"),
                       advice)


def _write_release(
    out: Path, scenes: list[Scene], tabs: dict[str, Any], config: SynthConfig, seed: int
) -> None:
    """Every file of the release layout but the videos, masks and contact sheet."""
    _write_triplets(out / "data" / "interim" / "similarity", tabs)
    _write_clip_tables(out / "data" / "raw" / "utils", tabs)
    _ground_truth_table(scenes, tabs).to_parquet(out / "ground_truth.parquet", index=False)
    meta = {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "n_clips": len(tabs["names"]),
        "config": _output_settings(config),
        "interactions": list(INTERACTIONS),
        "clips": [dict(video_name=nm, **s.to_dict()) for nm, s in zip(tabs["names"], scenes)],
        "files": {"ground_truth_table": "ground_truth.parquet", "agent_masks": "agent_masks.npz"},
    }
    (out / "ground_truth.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    (out / "README.md").write_text(release_readme(tabs, config, seed), encoding="utf-8")


def _write_triplets(folder: Path, tabs: dict[str, Any]) -> None:
    """``all_triplets.csv`` and each split's ``{split}_triplets.csv``, whose ``triplet_id`` is the row in all."""
    folder.mkdir(parents=True, exist_ok=True)
    all_triplets = tabs["trials"][TRIPLET_COLUMNS]
    all_triplets.to_csv(folder / "all_triplets.csv", index=False)
    for split, keep in split_judgments(tabs).items():
        part = all_triplets[keep].copy()
        part.insert(0, "triplet_id", np.flatnonzero(keep))
        part.to_csv(folder / f"{split}_triplets.csv", index=False)


def _write_clip_tables(folder: Path, tabs: dict[str, Any]) -> None:
    """The per-clip CSVs of the release's ``data/raw/utils``: mapping, ratings and captions, the split."""
    folder.mkdir(parents=True, exist_ok=True)
    names = tabs["names"]
    is_test = tabs["stimulus_set"] == "test"
    pd.DataFrame({"index": np.arange(len(names)), "video_name": names}).to_csv(
        folder / "video_mapping.csv", index=False
    )
    annotations = tabs["ratings"].rename(columns={a: f"rating-{a}" for a in RATING_ATTRS})
    annotations.insert(0, "video_name", names)
    annotations["stimulus_set"] = tabs["stimulus_set"]
    annotations["captions"] = [repr(c) for c in tabs["captions"]]
    annotations = annotations[ANNOTATION_COLUMNS]
    annotations.to_csv(folder / "annotations.csv", index=False)
    caption_rows = [
        (name, k + 1, normalise_caption(c))
        for name, captions in zip(names, tabs["captions"])
        for k, c in enumerate(captions)
    ]
    pd.DataFrame(caption_rows, columns=["video_name", "caption_index", "caption"]).to_csv(
        folder / "captions.csv", index=False
    )
    pd.DataFrame({"video_name": np.array(names)[~is_test]}).to_csv(folder / "train.csv", index=False)
    pd.DataFrame({"index": np.flatnonzero(is_test), "video_name": np.array(names)[is_test]}).to_csv(
        folder / "test.csv", index=False
    )
    # as the release's: without the last two ratings, and with the clip's row in annotations.csv as a nameless column
    stimulus_columns = [c for c in ANNOTATION_COLUMNS if c not in ("rating-intimacy", "rating-dominance")]
    for split, flags in (("train", ~is_test), ("test", is_test)):
        annotations[stimulus_columns][flags].to_csv(folder / f"{split}_stimulus_data.csv")


def _ground_truth_table(scenes: list[Scene], tabs: dict[str, Any]) -> pd.DataFrame:
    """One row per clip: its generative parameters, true latents and social-space coordinates, kept apart from the
    noisy ``rating-*`` columns of ``annotations.csv``."""
    names = tabs["names"]
    table = pd.DataFrame(
        {
            "index": np.arange(len(names)),
            "video_name": names,
            "stimulus_set": tabs["stimulus_set"],
            "interaction": [s.interaction for s in scenes],
            "energy": [s.energy for s in scenes],
            "leader": [s.leader for s in scenes],
            "closeness": [s.closeness for s in scenes],
            "facing": [s.facing for s in scenes],
            "third_agent": [s.third_agent for s in scenes],
            "scene_kind": [s.scene_kind for s in scenes],
            "texture": [s.texture for s in scenes],
            "n_distractors": [len(s.distractors) for s in scenes],
            "jitter": [s.jitter for s in scenes],
            "agent_shapes": [",".join(s.agent_shapes[:2]) for s in scenes],
        }
    )
    for a in RATING_ATTRS:
        table[f"latent-{a}"] = tabs["latents"][a].to_numpy()
    for d in range(tabs["z"].shape[1]):
        table[f"social_z{d}"] = tabs["z"][:, d]
    return table


#: SynthConfig fields `bgs-hf synth` sets, and their flags (the rest only through the Python API).
SYNTH_FLAGS: dict[str, str] = {"num_frames": "--frames", "size": "--size", "choice_beta": "--beta",
                               "lapse": "--lapse", "param_overlap": "--overlap", "test_fraction": "--test-fraction"}


def _exact(value: float) -> str:
    """``value`` as short as it reads back the same (``20``, ``0.1``, ``3.14159265``): ``:g`` alone kept six
    significant digits, so the command made a benchmark with other settings."""
    if isinstance(value, int):
        return str(value)
    short = f"{value:g}"
    return short if float(short) == value else repr(float(value))


def regenerate_command(config: SynthConfig, seed: int, n_clips: int, fmt: str = "release") -> str:
    """The command (markdown) that makes this benchmark again, in layout ``fmt``: every non-default setting, not
    just the seed."""
    default = SynthConfig()
    flags = [f"{flag} {_exact(getattr(config, name))}" for name, flag in SYNTH_FLAGS.items()
             if getattr(config, name) != getattr(default, name)]
    flags = ["--format hub", *flags] if fmt == "hub" else flags
    text = "`" + " ".join([f"bgs-hf synth OUT --seed {seed} --clips {n_clips}", *flags]) + "`"
    other = sorted(k for k, v in _output_settings(config).items() if k not in SYNTH_FLAGS and v != getattr(default, k))
    if other:
        text += f" and, in Python, the `SynthConfig` values of {', '.join(other)} in `ground_truth.json`"
    return text


def release_readme(tabs: dict[str, Any], config: SynthConfig, seed: int) -> str:
    """A short README for the release-format folder (counts are computed, not claimed)."""
    trials = tabs["trials"]
    n_catch = int(trials["is_catch"].sum())
    n = len(tabs["names"])
    return f"""# SocialShapes (seed {seed})

A synthetic stand-in for the Garcia & Isik social-video odd-one-out benchmark, generated by
`bgs-hf synth` ({GENERATOR_VERSION}). Same file layout and columns as the paper's release.

- {n} clips of {config.num_frames} frames, {config.size}x{config.size} px, {config.duration_s:g} s (h264), in
  `data/raw/videos/`. Two agents (sometimes a bystander) with an eye dot showing where they face.
- Interaction types ({len(INTERACTIONS)}): {", ".join(INTERACTIONS)}; shown only through motion and facing.
- Scene context (indoor/outdoor, textures, colours, shapes, distractors, camera jitter) is sampled
  independently of the social content.
- {len(trials):,} odd-one-out judgments by {trials["participation"].nunique()} simulated participants
  ({n_catch} unflagged catch trials: triplets with a duplicated clip, `catch_trial_flag` False as in the release).
- `rating-*` columns are noisy ratings; the true latents and generative parameters are in
  `ground_truth.parquet` / `ground_truth.json` (one row per clip).
- `agent_masks.npz`: per-frame agent identity maps (uint8 `labels` (N,T,H,W), 0 = background, k = agent k-1).
- `contact_sheet.png`: one clip per interaction type over time.

Load with `bgs_hf.data.load("<this folder>")`. Regenerate with {regenerate_command(config, seed, n)}.
Synthetic data generated by bgs-hf: no third-party rights (Apache-2.0, like the code).
"""


def _child_rngs(seed: int) -> dict[str, np.random.Generator]:
    """One generator per part of the benchmark, so that drawing more or less of one part moves no other. A child's
    stream depends only on its position in ``keys``: add a new part at the end, or every later part changes."""
    keys = ("scenes", "latents", "ratings", "captions", "split", "design", "choices")
    return dict(zip(keys, np.random.default_rng(seed).spawn(len(keys))))


def _draw_scenes(n_clips: int, rngs: dict[str, np.random.Generator], config: SynthConfig) -> list[Scene]:
    """The benchmark's scenes, one per clip (a larger benchmark of the seed begins with the same ones)."""
    return [sample_scene(rngs["scenes"], config) for _ in range(n_clips)]


def build_tables(
    n_clips: int, seed: int, config: SynthConfig | None = None
) -> tuple[list[Scene], dict[str, Any]]:
    """Scenes and every table of a benchmark (latents, ratings, captions, split, judgments), no pixels.

    Cheap (about a second for 250 clips), so calibration checks need not render anything. Returns
    ``(scenes, tables)`` with tables keys: latents, ratings (DataFrames), captions (list of lists),
    stimulus_set (N,), trials (all_triplets rows plus ``is_catch``), z (social space), names.
    """
    config = config or SynthConfig()
    rngs = _child_rngs(seed)
    scenes = _draw_scenes(n_clips, rngs, config)
    names = [f"ss_{i:04d}.mp4" for i in range(n_clips)]
    return scenes, _benchmark_tables(scenes, config, rngs, names)


def _check_seed(seed: object) -> int:
    """The seed as an ``int``, refused before any folder is made when it is no whole number >= 0: ``None`` made numpy
    draw fresh OS entropy (a benchmark nobody can make again, its README saying ``--seed None``), and -1 or 1.5 were
    numpy's errors that named no setting. A numpy integer is read as its ``int``: kept as given, it failed in
    ``json.dumps`` of ground_truth.json once every clip had been rendered."""
    if not is_whole(seed, floats=False) or seed < 0:
        raise BGSSettingError(lambda n: f"{n('seed')}: must be a whole number >= 0, got {seed!r}")
    return int(seed)


def _check_benchmark_settings(n_clips: int, seed: int, fmt: str, config: SynthConfig) -> tuple[int, int]:
    """``(n_clips, seed)`` as ``int``, after refusing, before any folder is made, the settings
    :func:`generate_socialshapes` cannot make a benchmark of."""
    seed = _check_seed(seed)
    if fmt not in ("release", "hub"):
        raise BGSSettingError(lambda n: f"{n('fmt', fmt)}: must be 'release' or 'hub'")
    if not is_whole(n_clips, floats=False):
        raise BGSSettingError(lambda n: f"{n('n_clips', n_clips)}: must be a whole number, at least 10")
    if n_clips < 10:
        raise BGSSettingError(lambda n: f"{n('n_clips', n_clips)}: must be at least 10")
    n_test = count_test_clips(n_clips, config.test_fraction)
    if not 0 < n_test < n_clips:  # else written, and `data validate` called the empty split a problem
        raise BGSSettingError(lambda n: f"{n('n_clips', n_clips)} and {n('test_fraction', config.test_fraction)}: "
                                        f"{n_test} test clips leave no {'test' if n_test == 0 else 'training'} clips")
    return int(n_clips), seed


def generate_socialshapes(
    out_dir: str | Path,
    *,
    n_clips: int = 250,
    seed: int = 0,
    fmt: str = "release",
    config: SynthConfig | None = None,
    force: bool = False,
) -> Path:
    """Generate the benchmark into ``out_dir`` (release layout, or Hub layout with ``fmt="hub"``).

    ``out_dir`` must be new or empty; the benchmark is made in a hidden sibling folder and renamed into place
    when complete, so ``out_dir`` never holds half a benchmark (and a user's files are never overwritten).
    Its disk, memory and time are estimated and logged first; a run whose estimate exceeds the free disk or the
    memory is refused unless ``force`` (:func:`bgs_hf.synth.budget.check_budget`)."""
    config = config or SynthConfig()
    n_clips, seed = _check_benchmark_settings(n_clips, seed, fmt, config)
    target = require_new_folder(out_dir, "out_dir")
    check_budget(target, estimate_socialshapes(n_clips, config, fmt), force=force,
                 subject=lambda n: f"SocialShapes with {n('n_clips', n_clips)}, {n('num_frames', config.num_frames)} "
                                   f"and {n('size', config.size)}")
    with built_in_place(target) as work:
        release = work if fmt == "release" else work.with_name(work.name + "-release")
        try:
            scenes, tabs = build_tables(n_clips, seed, config)
            warn_of_splits_without_judgments(tabs, seed, config)
            names = tabs["names"]
            video_dir = release / "data" / "raw" / "videos"
            video_dir.mkdir(parents=True, exist_ok=True)
            labels = render_all(scenes, config, [video_dir / nm for nm in names])
            _write_release(release, scenes, tabs, config, seed)
            save_agent_masks(release / "agent_masks.npz", labels, names)
            contact_sheet(release / "contact_sheet.png", scenes, config)
            # what was made; where and how long is the caller's to say (`bgs-hf synth` prints both)
            logger.info("SocialShapes: %d clips, %d simulated judgments", n_clips, len(tabs["trials"]))
            if fmt == "hub":
                from bgs_hf.data import load
                from bgs_hf.data.hub import write_hub

                # write_hub takes the ground truth along (GROUND_TRUTH_FILES), as for any exported instance
                write_hub(load(release), work, card_info=socialshapes_card_info(seed, config, n_clips))
        finally:
            if release != work:  # the release layout the Hub one is made from
                shutil.rmtree(release, ignore_errors=True)
    return target


# ------------------------------------------------------------------------------------------ abstract set
#: PHASE-like labels and the interactions that express them.
ABSTRACT_LABELS: dict[str, tuple[str, ...]] = {
    "friendly": ("hug", "help", "talk", "follow"),
    "neutral": ("ignore",),
    "adversarial": ("chase", "fight", "avoid"),
}


#: Agent size of the abstract set's generalisation clips relative to its training clips.
GENERALISATION_RADIUS_SCALE = 1.3


def abstract_scene(
    rng: np.random.Generator, config: SynthConfig, label: str, *, generalisation: bool
) -> Scene:
    """A PHASE-like scene: plain walled world, triangle agents, no context. Held-out styles when
    ``generalisation``: other agent colours and the upper quarter of each energy range (the larger agents of the
    generalisation clips come from the ``config`` the caller renders them with)."""
    kinds = ABSTRACT_LABELS[label]
    kind = kinds[int(rng.integers(len(kinds)))]
    scene = sample_scene(rng, replace(config, param_overlap=0.0), interaction=kind)
    u = float(rng.random())
    lo, hi = TYPE_PARAM_RANGES[kind]["energy"]
    energy_position = 0.75 + 0.25 * u if generalisation else 0.75 * u  # 0-1 in the range; the top quarter held out
    palette = (
        [(230, 120, 20), (130, 60, 200), (20, 160, 150)]
        if generalisation
        else [(220, 40, 40), (40, 90, 220), (40, 170, 60)]
    )
    return replace(
        scene,
        energy=lo + (hi - lo) * energy_position,
        scene_kind="abstract",
        background=(235, 235, 235),
        background2=(235, 235, 235),
        texture="plain",
        agent_colours=palette,
        agent_shapes=["triangle"] * 3,
        distractors=[],
        jitter=0.0,
    )


def generate_abstract_set(
    out_dir: str | Path,
    *,
    n_train: int = 400,
    n_generalisation: int = 100,
    seed: int = 0,
    config: SynthConfig | None = None,
    force: bool = False,
) -> Path:
    """PHASE-like OOD set for zero-shot transfer probes: ``videos/*.mp4``, ``labels.csv``, masks, sheet.
    Estimated and checked first, as :func:`generate_socialshapes` is (``force`` runs it anyway).

    ``labels.csv`` columns: video_name, split (train|generalisation), label (friendly|neutral|
    adversarial), interaction, energy, closeness, facing, leader, third_agent.
    """
    seed = _check_seed(seed)
    counts = {"n_train": n_train, "n_generalisation": n_generalisation}
    fractional = {k: v for k, v in counts.items() if not is_whole(v, floats=False)}
    if fractional:
        raise BGSSettingError(lambda n: " and ".join(n(k, v) for k, v in fractional.items()) + ": must be a whole number")
    bad = {k: v for k, v in counts.items() if v < 0}
    if bad or n_train + n_generalisation == 0:  # refused before any folder is made (0 + 0 failed deep inside)
        why = "must not be negative" if bad else "the set needs at least one clip"
        raise BGSSettingError(lambda n: " and ".join(n(k, v) for k, v in (bad or counts).items()) + f": {why}")
    config = config or SynthConfig()
    limit = 0.5 / GENERALISATION_RADIUS_SCALE  # SynthConfig's agent_radius < 0.5, for the larger agents too
    if n_generalisation and config.agent_radius >= limit:  # else refused as the scaled value, never passed
        raise BGSInputError(f"the abstract set's generalisation clips use agents {GENERALISATION_RADIUS_SCALE}× "
                            f"larger: agent_radius {config.agent_radius} must be below {limit:.4f}")
    target = require_new_folder(out_dir, "out_dir")
    n_clips = n_train + n_generalisation
    check_budget(target, estimate(n_clips, config), force=force,
                 subject=lambda n: f"the abstract set ({n_clips} clips) with {n('num_frames', config.num_frames)} "
                                   f"and {n('size', config.size)}")
    with built_in_place(target) as work:
        _write_abstract_set(work, n_train, n_generalisation, seed, config)
    return target


@dataclass
class _AbstractGroup:
    """The clips of one split of the abstract set, rendered with one config (the split's agent size)."""

    split: str
    render_config: SynthConfig
    scenes: list[Scene]
    labels: list[str]
    names: list[str]


def _write_abstract_set(out: Path, n_train: int, n_generalisation: int, seed: int, config: SynthConfig) -> None:
    """Draw every clip of both groups, then render each group with its own agent size, then the tables."""
    (out / "videos").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 7])
    label_names = list(ABSTRACT_LABELS)
    groups: list[_AbstractGroup] = []  # training clips first
    for split, n in (("train", n_train), ("generalisation", n_generalisation)):
        label_ids = np.resize(np.arange(len(label_names)), n)[rng.permutation(n)]  # as many of each, to one
        if not n:  # no clips: an empty group's scaled radius is never used, so never refused (0.4 * 1.3 = 0.52)
            continue
        generalisation = split == "generalisation"
        radius_scale = GENERALISATION_RADIUS_SCALE if generalisation else 1.0
        render_config = replace(config, agent_radius=config.agent_radius * radius_scale)
        labels = [label_names[i] for i in label_ids]
        scenes = [abstract_scene(rng, render_config, label, generalisation=generalisation) for label in labels]
        names = [f"abs_{split[:3]}_{k:04d}.mp4" for k in range(n)]
        groups.append(_AbstractGroup(split, render_config, scenes, labels, names))
    rows = [
        {
            "video_name": name,
            "split": group.split,
            "label": label,
            "interaction": s.interaction,
            "energy": s.energy,
            "closeness": s.closeness,
            "facing": s.facing,
            "leader": s.leader,
            "third_agent": s.third_agent,
        }
        for group in groups
        for s, label, name in zip(group.scenes, group.labels, group.names)
    ]
    masks = [render_all(group.scenes, group.render_config, [out / "videos" / name for name in group.names],
                        desc=f"abstract {group.split}") for group in groups]
    table = pd.DataFrame(rows)
    table.to_csv(out / "labels.csv", index=False)
    save_agent_masks(out / "agent_masks.npz", np.concatenate(masks), table["video_name"].tolist())
    contact_sheet(out / "contact_sheet.png", [s for group in groups for s in group.scenes], config,
                  labels=table["label"].tolist(),
                  scene_configs=[group.render_config for group in groups for _ in group.scenes])
    (out / "README.md").write_text(
        f"# SocialShapes-Abstract (seed {seed})\n\nA PHASE-like out-of-distribution set: triangles in a plain "
        "walled world, no scene context. `labels.csv` gives each clip's label (friendly / neutral / "
        f"adversarial) and split: {n_train} train clips and {n_generalisation} generalisation clips with held-out "
        "agent colours and sizes and the upper quarter of each interaction's energy range. Use it for "
        "zero-shot transfer probes (frozen encoder + linear probe, 3-way).\n", encoding="utf-8"
    )
