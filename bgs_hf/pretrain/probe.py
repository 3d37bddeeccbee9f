"""A cheap check of what the frozen tiny backbone encodes: linear probes on held-out rendered clips.

The question downstream is whether the mean-pooled embedding carries the *social* content (interaction
type, shown only through motion and facing) better than raw pixels, which are dominated by scene context.
We also probe a nuisance label (scene kind) to show how much scene context the embedding keeps.
Probe clips use their own seeds (``PROBE_SEED_OFFSET + i``), disjoint from the corpus and the benchmark.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from bgs_hf._process import keeps_process_state
from bgs_hf.errors import BGSInputError
from bgs_hf.pretrain.config import PROBE_SEED_OFFSET, TinyVideoMAEArch
from bgs_hf.pretrain.corpus import fit_frames, render_socialshapes, to_pixel_values

logger = logging.getLogger(__name__)

#: Cross-validation folds of `run_probe`'s scores (the `folds` default of `cv_accuracy` and `cv_r2`).
PROBE_FOLDS = 5

#: Maps a seed to (frames uint8 (T,H,W,3), labels {name: value}).
LabelledSource = Callable[[int], tuple[np.ndarray, dict[str, Any]]]


def social_coordinates(scene: Any, seed: int) -> np.ndarray:
    """The clip's point in the simulated observers' latent social space (before the population centring and
    scaling of `bgs_hf.synth.latents.social_space`, which a standardised ridge read-out does not see)."""
    from bgs_hf import synth
    from bgs_hf.synth.latents import SOCIAL_ATTRS, latent_attributes
    from bgs_hf.synth.scene import INTERACTIONS, trajectories

    cfg = synth.SynthConfig()
    pos, head = trajectories(scene, cfg)
    lat = latent_attributes(scene, pos, head, np.random.default_rng(seed))
    z = np.array([[lat[k] for k in SOCIAL_ATTRS]])
    params = np.array([[scene.energy, scene.closeness, scene.facing]])
    types = np.array([INTERACTIONS.index(scene.interaction)])
    # the same layout as social_space: [latents, 0.5 * params, scaled one-hot], without its centring
    onehot = np.eye(len(INTERACTIONS))[types] * cfg.type_weight / np.sqrt(2)
    return np.concatenate([z, 0.5 * params, onehot], axis=1)[0]


def socialshapes_labelled(seed: int) -> tuple[np.ndarray, dict[str, Any]]:
    """A SocialShapes clip with its social labels (interaction type; energy, closeness and facing, which
    are continuous; its coordinates in the observers' social space) and a nuisance label (scene kind)."""
    frames, scene = render_socialshapes(seed)
    return frames, {
        "interaction": scene.interaction,
        "energy": float(scene.energy),
        "closeness": float(scene.closeness),
        "facing": float(scene.facing),
        "social space": social_coordinates(scene, seed),
        "scene_kind": scene.scene_kind,
    }


@torch.no_grad()
def encoder_features(encoder: torch.nn.Module, clips: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """Mean-pooled last hidden state of a video encoder (`VideoMAEModel`, `BGSConv3dModel`) for uint8 clips
    (N,T,H,W,3)."""
    encoder.eval()
    out = []
    for i in tqdm(range(0, len(clips), batch_size), desc="encoder features", unit="batch"):
        hidden = encoder(pixel_values=to_pixel_values(clips[i : i + batch_size])).last_hidden_state
        out.append(hidden.mean(dim=1).numpy())
    return np.concatenate(out).astype(np.float64)


def _downsample(clips: np.ndarray, size: int) -> torch.Tensor:
    x = torch.from_numpy(clips).float().div(255.0)  # N,T,H,W,3
    n, t = x.shape[:2]
    return torch.nn.functional.interpolate(
        x.permute(0, 1, 4, 2, 3).reshape(n * t, 3, *x.shape[2:4]), size=(size, size), mode="area"
    ).reshape(n, t, 3, size, size)


def pixel_features(clips: np.ndarray, size: int = 16) -> dict[str, np.ndarray]:
    """Raw-pixel references: downsampled frames (8 px, to keep the probe fast), their mean frame, and the
    mean absolute frame difference (a hand-made motion feature)."""
    small = _downsample(clips, size)
    n = len(clips)
    return {
        "pixels (all frames, 8 px)": _downsample(clips, 8).reshape(n, -1).numpy(),
        "pixels (mean frame)": small.mean(1).reshape(n, -1).numpy(),
        "frame differences": (small[:, 1:] - small[:, :-1]).abs().mean(1).reshape(n, -1).numpy(),
    }


def cv_accuracy(features: np.ndarray, labels: np.ndarray, folds: int = PROBE_FOLDS, seed: int = 0) -> tuple[float, float]:
    """Stratified k-fold accuracy (mean, sd) of a standardised L2 logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    classes = np.unique(labels)
    if len(classes) < 2:  # scikit-learn failed all 5 fits in a page-long message
        raise BGSInputError(f"labels: every one of the {len(labels)} clips is {classes[0].item()!r}: a probe needs at least "
                            "2 classes")
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = cross_val_score(clf, features, labels, cv=cv)
    return float(scores.mean()), float(scores.std())


def cv_r2(features: np.ndarray, target: np.ndarray, folds: int = PROBE_FOLDS, seed: int = 0) -> tuple[float, float]:
    """K-fold R² (mean, sd) of a standardised ridge regression (alpha chosen by inner CV); for a vector
    target the R² is variance-weighted, i.e. the share of the target space's total variance explained."""
    from sklearn.linear_model import RidgeCV
    from sklearn.metrics import make_scorer, r2_score
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if np.ptp(target, axis=0).max(initial=0.0) == 0:  # R² is undefined; scikit-learn scored every fold 1.0
        raise BGSInputError(f"target: all {len(target)} clips have the same value: R² needs a target that varies")
    reg = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-1, 4, 11)))
    scoring = make_scorer(r2_score, multioutput="variance_weighted") if target.ndim == 2 else "r2"
    scores = cross_val_score(reg, features, target, cv=KFold(folds, shuffle=True, random_state=seed), scoring=scoring)
    return float(scores.mean()), float(scores.std())


#: scikit-learn's warning of a class rarer than the folds, which `_warn_of_unfilled_folds` says once per label
_UNFILLED_FOLDS = "The least populated class in y has only"


def _warn_of_unfilled_folds(label: str, classes: np.ndarray, counts: np.ndarray) -> None:
    """One line when a class has fewer clips than the folds (the smallest ``--probe-clips`` does: 3 of 40 clips):
    scikit-learn warned of it in its own words for every feature set, naming neither the label nor the class."""
    rarest = int(np.argmin(counts))
    if counts[rarest] < PROBE_FOLDS:
        logger.warning("probe: only %d of the %d clips have %s %r, fewer than the %d folds: %d of the folds test "
                       "no clip of it; more probe clips fill every fold", counts[rarest], counts.sum(), label,
                       classes[rarest].item(), PROBE_FOLDS, PROBE_FOLDS - counts[rarest])


@keeps_process_state
def run_probe(
    model_dir: str | Path,
    *,
    n_clips: int = 400,
    seed_offset: int = PROBE_SEED_OFFSET,
    source: LabelledSource | None = None,
    seed: int = 0,
    name: str = "bgs-tiny-videomae",
) -> dict[str, Any]:
    """Linear-probe scores of each label from several feature sets: accuracy for categorical labels,
    R² for continuous ones.

    Returns ``{"n_clips", "seeds", "classifier", "chance": {categorical label: majority rate},
    "results": {feature: {label: [mean, sd]}}}``. A randomly initialised encoder of the same architecture
    is included as a control.
    """
    from transformers import AutoModel

    import bgs_hf.models.conv3d  # noqa: F401 - registers bgs_conv3d with AutoModel

    if n_clips < PROBE_FOLDS:  # 0 was a numpy concatenate error, 1-4 a scikit-learn one, after the clips rendered
        raise BGSInputError(f"n_clips must be at least {PROBE_FOLDS} (one per fold of the probe), got {n_clips}")

    encoder = AutoModel.from_pretrained(model_dir)
    cfg = encoder.config
    arch = TinyVideoMAEArch(image_size=cfg.image_size, num_frames=cfg.num_frames)
    source = source or socialshapes_labelled
    clips = np.empty((n_clips, arch.num_frames, arch.image_size, arch.image_size, 3), dtype=np.uint8)
    labels: dict[str, list[Any]] = {}
    for i in tqdm(range(n_clips), desc="render probe clips", unit="clip"):
        frames, lab = source(seed_offset + i)
        clips[i] = fit_frames(frames, arch.num_frames, arch.image_size)
        for k, v in lab.items():
            labels.setdefault(k, []).append(v)
    torch.manual_seed(seed)
    random_encoder = type(encoder)(cfg)
    feats = {f"{name} (pretrained)": encoder_features(encoder, clips)}
    feats["same architecture, random init"] = encoder_features(random_encoder, clips)
    feats.update(pixel_features(clips))
    results: dict[str, dict[str, list[float]]] = {}
    chance: dict[str, float] = {}
    finite = {feat_name: bool(np.isfinite(x).all()) for feat_name, x in feats.items()}
    for feat_name in (f for f, ok in finite.items() if not ok):  # scikit-learn refused them after training
        logger.warning("probe: the %s features are not finite (a diverged run?): scored NaN", feat_name)
    for label, y in labels.items():
        y_arr = np.asarray(y)
        continuous = y_arr.dtype.kind == "f"
        if not continuous:
            classes, counts = np.unique(y_arr, return_counts=True)
            chance[label] = float(counts.max() / counts.sum())
            _warn_of_unfilled_folds(label, classes, counts)
        for feat_name, x in feats.items():
            with warnings.catch_warnings():  # told once above, not once per feature set in scikit-learn's words
                warnings.filterwarnings("ignore", message=_UNFILLED_FOLDS, category=UserWarning)
                mean, sd = (cv_r2 if continuous else cv_accuracy)(x, y_arr, seed=seed) if finite[feat_name] else (
                    float("nan"), float("nan"))
            results.setdefault(feat_name, {})[label] = [round(mean, 4), round(sd, 4)]
            logger.info("probe %s <- %s: %.3f ± %.3f", label, feat_name, mean, sd)
    return {
        "n_clips": n_clips,
        "seeds": f"{seed_offset} .. {seed_offset + n_clips - 1}",
        "classifier": "StandardScaler + LogisticRegression(C=0.1), 5-fold stratified CV accuracy for "
        "categorical labels; StandardScaler + RidgeCV, 5-fold CV R² for continuous ones",
        "chance": chance,
        "results": results,
    }
