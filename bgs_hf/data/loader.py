"""``bgs_hf.data.load``: one entry point that recognises the source and returns :class:`OddOneOutData`."""

from __future__ import annotations

from pathlib import Path

from bgs_hf._files import expand_user, resolved_if_other
from bgs_hf._offline import dataset_page_id
from bgs_hf.data.checks import Problems, StopChecks
from bgs_hf.data.container import OddOneOutData
from bgs_hf.data.hub import download, is_hub_folder, looks_like_repo_id, missing_configs, read_hub
from bgs_hf.data.release import (
    TRIPLETS,
    find_release_data_dir,
    missing_triplets,
    read_release,
    release_root_above,
)
from bgs_hf.data.splits import SplitConfig
from bgs_hf.errors import BGSInputError, NoSuchSource

#: where a newcomer with a CSV of trials and a video folder should go instead
IMPORT_HINT = "; for your own CSV of trials + a video folder run `bgs-hf data import TABLE VIDEOS OUT` first"


def _hint(path: Path) -> str:
    """What to do instead: for a file or folder inside the paper's release, pass the release (``data import``
    reads video file names, not its index-coded triplets); inside a Hub-layout folder (its ``judgments/`` config
    folder or a parquet file of it, which ``data import`` cannot read either), pass that folder; otherwise
    :data:`IMPORT_HINT`."""
    root = release_root_above(path)
    if root is not None:
        return f"; it lies inside the paper's release: pass the release folder {root}"
    for parent in list(path.resolve().parents)[:4]:
        if is_hub_folder(parent):
            return f"; it lies inside a Hub-layout dataset: pass its folder {parent}"
    return IMPORT_HINT


def resolve_source(source: str | Path) -> tuple[str, Path]:
    """``("release" | "hub" | "hub-repo", folder)``; a Hub repo id is downloaded (cached) first."""
    path = expand_user(source)
    if path.is_dir():
        if find_release_data_dir(path) is not None:
            return "release", path
        if is_hub_folder(path):
            return "hub", path
        expected = missing_triplets(path)
        if expected is not None:
            raise BGSInputError(f"{path} looks like the Garcia & Isik release but its judgments file is missing "
                                f"(expected {expected}): restore it from the release", path=expected)
        missing = missing_configs(path)
        if len(missing) == 1:  # a Hub-layout README that forgot one config: say which
            raise BGSInputError(f"the YAML configs declare no {missing[0]!r} config (a Hub-layout dataset "
                                "needs 'clips' and 'judgments')", path=path / "README.md")
        raise BGSInputError(
            f"not an odd-one-out dataset: no data/{TRIPLETS} (release) and no README.md declaring the "
            f"'clips' and 'judgments' configs (Hub layout){_hint(path)}",
            path=path,
        )
    if path.exists():
        raise BGSInputError(f"expected a folder or a Hub dataset repo id, got a file{_hint(path)}", path=path)
    text = str(source)
    if page_id := dataset_page_id(text):  # pasted from the browser: told "no such folder", never the id
        raise NoSuchSource(f"{source}: a Hub dataset page's address, not its id: pass {page_id}")
    if not looks_like_repo_id(text):
        resolved = resolved_if_other(source)  # the path as given, and where it was looked for
        raise NoSuchSource(f"{source}: no such folder" + (f" (resolved to {resolved})" if resolved else ""))
    try:
        folder = download(text)
    except BGSInputError as err:
        raise NoSuchSource(err.detail, path=err.path) from None
    if not is_hub_folder(folder):
        raise BGSInputError(f"Hub dataset {text!r} does not declare the 'clips' and 'judgments' configs")
    return "hub-repo", folder


def read_source(source: str | Path, split_config: SplitConfig, problems: Problems) -> OddOneOutData:
    kind, folder = resolve_source(source)
    if kind == "release":
        return read_release(folder, split_config=split_config, problems=problems)
    name = str(source) if kind == "hub-repo" else None
    return read_hub(folder, split_config=split_config, problems=problems, name=name)


def load(
    source: str | Path, *, val_fraction: float = 0.2, seed: int = 0, split_seed: int | None = None,
    val_split: str = "seeded",
) -> OddOneOutData:
    """Load a release folder (root or ``data/``), a Hub-layout folder, or a Hub dataset repo id.

    ``seed`` drives the validation carve-out of train clips; ``split_seed`` (default ``seed``) the
    train/test draw used only when clips carry no ``stimulus_set``. ``val_split="paper"`` carves validation
    by the paper's v1 draw instead (see :mod:`bgs_hf.data.splits`). Bad input raises BGSInputError.
    """
    cfg = SplitConfig(val_fraction=val_fraction, seed=seed, split_seed=split_seed, val_split=val_split)
    try:
        return read_source(source, cfg, Problems(collect=False))
    except StopChecks as err:  # only raised after a strict Problems already raised; defensive
        raise BGSInputError(str(err)) from None
