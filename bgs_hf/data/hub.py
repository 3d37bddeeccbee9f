"""Hugging Face Hub layout: two parquet configs (``clips``, ``judgments``) declared in the README YAML.

``datasets.load_dataset(repo_or_dir, "judgments")`` works with no loading script (datasets 4+ removed
them). Video paths in the parquet are relative (``videos/<clip_id>``) so the folder can move or be
uploaded as is; paths that would escape the folder are refused.
"""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np
import pandas as pd
import yaml

from bgs_hf._format import agree, count, first_few, fmt, hub_license_id, md_code, quoted
from bgs_hf._offline import download_advice, folder_typo_hint
from bgs_hf.data.build import (
    CLIP_COLUMNS,
    JUDGMENT_COLUMNS,
    copied_trials,
    drop_rows,
    finish,
    non_distinct,
    report_unknown_clips,
    warn_relisted_trials,
)
from bgs_hf.data.checks import (
    ROW,
    Problems,
    StopChecks,
    missing_column,
    no_negative_times,
    optional_numbers,
    to_bools,
    to_ints,
)
from bgs_hf.data.container import OddOneOutData
from bgs_hf.data.splits import STIMULUS_SET_ALIASES, SplitConfig, seeded_test
from bgs_hf.errors import LOCAL_DIR_RECORDS, BGSInputError, downloaded_commit, hub_snapshot
from bgs_hf.paper import CITATION, HUB_CARDS_DIR, RELEASE_URL

logger = logging.getLogger(__name__)

CONFIGS: tuple[str, ...] = ("clips", "judgments")
TEMPLATE = HUB_CARDS_DIR / "dataset_card.md.j2"
#: What a SocialShapes instance ships beside its tables (``bgs_hf.synth``): ``ground_truth.json`` is what marks its
#: judgments as simulated observers' (``OddOneOutData.simulated_observers``), so an export carries these along.
GROUND_TRUTH_FILES: tuple[str, ...] = ("ground_truth.json", "ground_truth.parquet", "agent_masks.npz",
                                       "contact_sheet.png")
#: files bgs-hf writes into a dataset repo (``write_hub``): what a later ``data push`` replaces, so people's
#: judgments pushed over a SocialShapes instance do not keep its ground truth (and its simulated status)
DATASET_FILES: tuple[str, ...] = (*(f"{c}/*" for c in CONFIGS), "videos/*", *GROUND_TRUTH_FILES)
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
#: ``license_name`` of the Garcia & Isik release's terms (its repository states no licence)
RELEASE_LICENSE_NAME = "no-licence-release"
#: ``license_name`` when a publisher declares ``--license other`` for data whose licence has no name yet (the Hub
#: requires a name for "other")
DECLARED_OTHER_NAME = "publisher-terms"

RELEASE_LICENSE_NOTE = (
    "The judgments, ratings and captions come from the public release of Garcia & Isik "
    "(repository `garciakathy/similarity-judgments-finetuning`), which carries **no licence**: "
    "ask the authors before redistributing them. The videos (curated from Moments in Time) are "
    "licensed and available from the authors only; this dataset ships them only if you added them."
)


@dataclass
class DatasetCardInfo:
    """What the dataset card says beyond the statistics (override for your own data)."""

    pretty_name: str | None = None
    #: a Hub licence id, or several (a dataset card may list them)
    license: str | list[str] = "other"
    #: with ``license: other`` only; the release's name links to its repository unless ``license_link`` says where
    license_name: str | None = RELEASE_LICENSE_NAME
    license_link: str | None = None
    license_note: str = RELEASE_LICENSE_NOTE
    citation: str = CITATION
    description: str = (
        "Human odd-one-out judgments over short videos of social interactions: in each trial a "
        "participant saw three clips and picked the one that did not fit (\"Focus on what the people "
        "are doing. Which video is the odd-one-out?\")."
    )
    tags: list[str] = field(
        default_factory=lambda: ["odd-one-out", "triplets", "human-similarity", "social-perception", "video", "bgs-hf"]
    )
    #: the Hub repo the card is published to (``data push``), so its loading snippet runs as written; None for a
    #: local export, whose card says "<this repo or folder>"
    repo_id: str | None = None


#: what a card says of odd-one-out data whose study it cannot know (a lab's own, re-published or imported)
OWN_DATA_DESCRIPTION = ("Human odd-one-out judgments over short videos: in each trial a participant saw three clips "
                        "and picked the one that did not fit.")
#: ``license_name`` of data whose licence nobody declared (the Hub requires a name for ``license: other``)
UNDECLARED_LICENSE_NAME = "unspecified"


def neutral_card_info() -> DatasetCardInfo:
    """The card of data whose origin bgs-hf does not know (an :class:`OddOneOutData` built by hand): no study, licence
    or citation claimed. Such data got the Garcia & Isik release's card, its "no licence" note and its citation."""
    return DatasetCardInfo(license_name=UNDECLARED_LICENSE_NAME, license_note="Licence not declared.", citation="",
                           description=OWN_DATA_DESCRIPTION)


#: the dataset card's YAML key recording an import (:func:`import_record`): a re-publish (``data export``/``push`` of the
#: folder) reads the data's provenance back from it, as the card's body is rebuilt from the YAML alone
IMPORT_RECORD = "bgs_hf_import"


def import_record(meta: dict[str, Any]) -> dict[str, Any]:
    """The card's YAML record of an imported table (``meta["imported_from"]``, the table's file name, and
    ``meta["dropped_at_import"]``), {} for data not imported: the card's "imported from" and drop note are rebuilt from
    it on a re-publish, which lost both (its card was built from the YAML, which held neither)."""
    if not meta.get("imported_from"):
        return {}
    record: dict[str, Any] = {"table": str(meta["imported_from"])}
    if meta.get("dropped_at_import"):
        record["dropped"] = dict(meta["dropped_at_import"])
    return {IMPORT_RECORD: record}


def imported_meta(front_matter: dict[str, Any]) -> dict[str, Any]:
    """The ``meta`` entries a card's :func:`import_record` holds ({} where it has none or it is not one), so data read
    back from the Hub layout is published with the provenance it was imported with."""
    record = front_matter.get(IMPORT_RECORD)
    if not isinstance(record, dict) or not isinstance(record.get("table"), str) or not record["table"]:
        return {}
    dropped = record.get("dropped") if isinstance(record.get("dropped"), dict) else {}
    kept = {k: v for k, v in dropped.items() if k in DROP_COUNTS and isinstance(v, int) and not isinstance(v, bool)}
    lost = dropped.get("lost_videos")
    if kept.get("lost_video_trials") and isinstance(lost, list) and lost and all(isinstance(v, str) for v in lost):
        kept["lost_videos"] = list(lost)
    else:
        kept.pop("lost_video_trials", None)  # the note names the lost videos: counts without their names are no note
    return {"imported_from": record["table"], **({"dropped_at_import": kept} if kept else {})}


def imported_card_info(table_name: str) -> DatasetCardInfo:
    """The card of a lab's own trial table (``bgs-hf data import``, :func:`~bgs_hf.data.triplet_table.read_triplet_table`),
    named by its file name: one card, whether written by the CLI or by ``write_hub`` from Python."""
    return replace(neutral_card_info(), license_note="Licence not declared (pass --license).",
                   description=f"Human odd-one-out judgments over short videos, imported from {md_code(table_name)} with "
                               "`bgs-hf data import`.")


#: the counts ``meta["dropped_at_import"]`` may hold, in the order an import drops them (beside them, ``lost_videos``)
DROP_COUNTS: tuple[str, ...] = ("duplicate_rows", "no_trial_rows", "incomplete_trials", "lost_video_trials")


def import_drops_note(meta: dict[str, Any]) -> str:
    """The card's sentence on the rows an import left out (``meta["dropped_at_import"]``): exact duplicates of a trial,
    the rows with no trial (no video, no answer) and the trials ``--skip-incomplete`` and ``--skip-missing-videos``
    dropped; '' where none was: the log lines never reached a reader of the published dataset, who could not know
    that any trial was missing."""
    dropped = meta.get("dropped_at_import") or {}
    parts, total = [], 0
    if dropped.get("duplicate_rows"):
        total += dropped["duplicate_rows"]
        parts.append(f"{count(dropped['duplicate_rows'], 'exact duplicate row')} (the same participant, trial number "
                     "and answer as an earlier row)")
    if dropped.get("no_trial_rows"):  # jsPsych's instructions screens: no trial, so not counted as one
        total += dropped["no_trial_rows"]
        parts.append(f"{count(dropped['no_trial_rows'], 'row')} with no trial (no video and no odd-one-out, as an "
                     "instructions screen's; `--skip-incomplete`)")
    if dropped.get("incomplete_trials"):
        total += dropped["incomplete_trials"]
        parts.append(f"{count(dropped['incomplete_trials'], 'trial')} with an empty cell (`--skip-incomplete`)")
    if dropped.get("lost_video_trials"):
        videos = list(dropped.get("lost_videos", []))
        total += dropped["lost_video_trials"]
        parts.append(f"{count(dropped['lost_video_trials'], 'trial')} naming {count(len(videos), 'video')} not found "
                     f"(`--skip-missing-videos`: {first_few([md_code(v) for v in videos])})")
    if not parts:
        return ""
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"At import, {listed} {agree(total, 'was', 'were')} left out."


def release_layout_card_info() -> DatasetCardInfo:
    """The card of a folder in the Garcia & Isik release's CSV layout that does not hold that release's files (a lab's
    own data, an edited copy): no study, licence or citation claimed, and a word on the release's terms should it
    derive from it. Such a folder got the release's card, as if its judgments were the authors'."""
    return replace(neutral_card_info(), license_note=(
        "Licence not declared. This data is in the CSV layout of the Garcia & Isik release but does not hold that "
        "release's files; if it derives from them, ask its authors for their terms before redistributing it."))


def default_card_info(data: OddOneOutData) -> DatasetCardInfo:
    """What the card says of ``data``'s origin and licence when the caller says nothing: a SocialShapes instance's own
    (its judgments are simulated observers'), a Hub-layout folder's own card's, the Garcia & Isik release's for the
    release's own files (another folder in its layout: :func:`release_layout_card_info`), an imported table's
    (:func:`imported_card_info`), else a card claiming no origin. Only the release may get the release's card:
    ``write_hub(read_triplet_table(...))`` called a lab's own trials the release's, and so did the release's layout."""
    if data.meta.get("ground_truth"):
        from bgs_hf.synth.generate import socialshapes_card_info

        truth = json.loads(Path(data.meta["ground_truth"]).read_text(encoding="utf-8"))
        return socialshapes_card_info(truth.get("seed"), truth.get("config"), truth.get("n_clips"))
    source = data.meta.get("source")
    readme = Path(data.meta["folder"]) / "README.md" if source == "hub" else None
    if readme is not None and readme.is_file():
        return card_info_from_front_matter(read_front_matter(readme))
    if source == "release":  # the paper's CSV layout: its files tell, as for a run's recorded origin (training.api)
        from bgs_hf.data.release import is_the_release

        return DatasetCardInfo() if is_the_release(data.meta) else release_layout_card_info()
    if source == "triplet-table":
        return imported_card_info(data.meta["imported_from"])
    return neutral_card_info()


def card_info_from_front_matter(meta: dict[str, Any]) -> DatasetCardInfo:
    """Card fields of a Hub-layout source, so re-publishing it keeps its own licence and name (the defaults
    describe the Garcia & Isik release, which is right only for that release)."""
    default = DatasetCardInfo()
    listed, license_name = meta.get("license"), meta.get("license_name")
    # a list of ids stays a list (its repr, "['mit', 'cc-by-4.0']", is no licence id and the Hub refuses it)
    several = isinstance(listed, list) and len(listed) > 1 and all(isinstance(x, str) for x in listed)
    license_id: str | list[str] = list(listed) if several else str(
        (listed[0] if isinstance(listed, list) and len(listed) == 1 else listed) or default.license)
    if license_id == default.license and license_name in (None, default.license_name):
        return replace(default, pretty_name=meta.get("pretty_name"))
    # not the release's card text either: its description (social interactions, the paper's instruction) was
    # printed on a lab's own re-published data; an imported table's stays its own (:func:`import_record`)
    table = imported_meta(meta).get("imported_from")
    if license_id == "other" and license_name == UNDECLARED_LICENSE_NAME and not meta.get("license_link"):
        # nobody declared one: the re-publish says so as the data's first card did, not "as declared: `unspecified`"
        return replace(imported_card_info(table) if table else neutral_card_info(), pretty_name=meta.get("pretty_name"))
    shown = license_name or ("`, `".join(license_id) if several else license_id)
    return DatasetCardInfo(pretty_name=meta.get("pretty_name"), license=license_id, license_name=license_name,
                           license_link=meta.get("license_link"),
                           license_note=f"Licence as declared by the source dataset: `{shown}`.", citation="",
                           description=imported_card_info(table).description if table else OWN_DATA_DESCRIPTION)


#: the dataset card's YAML key naming the Hub repo ``bgs-hf data push`` published it to, so a run on a download of it
#: links that dataset (:func:`downloaded_dataset`)
PUBLISHED_AS = "bgs_hf_repo_id"


def downloaded_dataset(meta: dict[str, Any]) -> dict[str, str] | None:
    """``{"repo_id", "revision"}`` of a Hub-layout folder that is an unchanged ``--local-dir`` download of one commit
    of a dataset ``bgs-hf data push`` published: the repo its card names (:data:`PUBLISHED_AS`), at the commit
    huggingface_hub's records give, where every file in the folder has a record of that one commit and is unchanged
    since. None otherwise: a staged folder (``data push --local-dir``, perhaps never pushed), an export, an edited
    or added file, a mix of commits. A run trained on such a download linked no dataset without ``push --dataset``;
    the Hub cache's snapshot is known by its path instead (:func:`~bgs_hf.errors.hub_snapshot`), never by its card."""
    folder = Path(meta["folder"]) if meta.get("source") == "hub" and meta.get("folder") else None
    if folder is None or not (folder / "README.md").is_file():
        return None
    repo_id = read_front_matter(folder / "README.md").get(PUBLISHED_AS)
    if not isinstance(repo_id, str) or not repo_id:
        return None
    records = folder.joinpath(*LOCAL_DIR_RECORDS[:1])
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*")
             if p.is_file() and not p.is_relative_to(records)]
    commits = {downloaded_commit(folder, f) for f in files}
    if len(commits) != 1 or None in commits:
        return None
    return {"repo_id": repo_id, "revision": str(commits.pop())}


def recorded_license(meta: dict[str, Any]) -> str | None:
    """The licence a Hub-layout folder's dataset card declares (``data import --license``, ``data export``/``push``),
    as a run records it for its model card: the Hub id (ids joined by ", "), or ``other`` with the terms' name and
    link. None where none was declared (``unspecified``, the release's ``no-licence-release``) or no card is there:
    the model card then says to check the data's licence, as before."""
    readme = Path(meta["folder"]) / "README.md" if meta.get("source") == "hub" and meta.get("folder") else None
    if readme is None or not readme.is_file():
        return None
    info = card_info_from_front_matter(read_front_matter(readme))
    ids = info.license if isinstance(info.license, list) else [info.license]
    if ids == ["other"]:
        if info.license_name in (None, UNDECLARED_LICENSE_NAME, RELEASE_LICENSE_NAME):
            return None
        terms = ", ".join(str(t) for t in (info.license_name, info.license_link) if t)
        return f"other ({terms})"
    return ", ".join(str(i) for i in ids)


#: a ``license_name`` as the Hub's metadata spec asks for one ("an id ..., like ``my-license-1.0``")
_LICENSE_NAME = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")


def declared_license(license_id: str | None, name: str | None = None,
                     link: str | None = None) -> tuple[str, str | None, str | None]:
    """(Hub licence id, ``license_name``, ``license_link``) a publisher declares (``--license``, and for ``other``
    ``--license-name`` / ``--license-link``), checked before anything is written."""
    if license_id is None:
        flag = "--license-name" if name is not None else "--license-link"
        raise BGSInputError(f"{flag} names the terms of `--license other`: pass --license other with it")
    license_id = hub_license_id(license_id)  # the Hub refuses "MIT" and "MIT License"
    if license_id != "other":
        if name is not None or link is not None:
            flag = "--license-name" if name is not None else "--license-link"
            raise BGSInputError(f"{flag} goes with --license other only (--license {license_id} is named by the Hub)")
        return license_id, None, None
    if name is not None and not _LICENSE_NAME.match(name):
        raise BGSInputError(f"--license-name {name!r} is not a licence id the Hub takes: lower-case letters and "
                            "digits joined by '-' or '.', e.g. lab-terms-1.0")
    if link is not None and not link.startswith("https://"):
        raise BGSInputError(f"--license-link {link!r} must be an https:// address of the terms")
    return license_id, name or DECLARED_OTHER_NAME, link


def with_declared_license(info: DatasetCardInfo, license_id: str, name: str | None = None,
                          link: str | None = None) -> DatasetCardInfo:
    """``info`` under a licence the publisher declares (``--license``): their data, not the paper's release. The
    declared licence replaces the source's name and link too (the release's ``no-licence-release`` and its link
    stayed under a declared ``other``); ``other`` is named by ``name``/``link`` (:func:`declared_license`)."""
    license_id, name, link = declared_license(license_id, name, link)
    if license_id == "other":
        where = f", see {link}" if link else ""
        note = f"Licensed by the publisher of this dataset under their own terms (`{name}`{where})."
    else:
        note = f"Licensed `{license_id}` by the publisher of this dataset."
    return replace(info, license=license_id, license_name=name, license_link=link, license_note=note,
                   citation="" if info.citation == CITATION else info.citation)


# ---------------------------------------------------------------------------------------------- detect
def read_front_matter(readme: Path) -> dict[str, Any]:
    """The README's YAML header (``---`` ... ``---``), or {} when there is none."""
    try:
        text = readme.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise BGSInputError(f"not UTF-8 text (byte {err.start}); save the card as UTF-8", path=readme) from None
    m = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", text, flags=re.S)
    if not m:
        return {}
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as err:
        raise BGSInputError(f"YAML header unreadable ({str(err).splitlines()[0]})", path=readme) from None
    return meta if isinstance(meta, dict) else {}


def missing_configs(folder: str | Path) -> list[str]:
    """Which of ``clips``/``judgments`` the folder's README YAML does not declare (all when no README)."""
    readme = Path(folder) / "README.md"
    if not readme.is_file():
        return list(CONFIGS)
    configs = read_front_matter(readme).get("configs") or []
    if not isinstance(configs, list):
        raise BGSInputError(f"the YAML header's `configs` must be a list of configs, got {configs!r:.60}",
                            path=readme)
    names = {c.get("config_name") for c in configs if isinstance(c, dict)}
    return [c for c in CONFIGS if c not in names]


def is_hub_folder(folder: str | Path) -> bool:
    """A folder whose README YAML declares both the ``clips`` and ``judgments`` configs."""
    return not missing_configs(folder)


#: a ``[...]`` in a folder's path: ``datasets`` globs the card's ``data_files`` joined to the folder's absolute path,
#: reads the brackets as a character class and finds none of the files ("Unable to find .../clips/train-....parquet")
_GLOB_CLASS = re.compile(r"\[[^\]]*\]")


def glob_class_in_path(folder: str | Path) -> str | None:
    """The ``[...]`` of ``folder``'s absolute path that ``datasets.load_dataset`` reads as a glob pattern, or None: a
    path part that, as a pattern, no longer matches itself (``*``, ``?`` and a lone ``[`` still do: they load, unless
    they match another folder too, :func:`other_folder_matched`). Each
    part alone: the glob reads a ``[`` and a ``]`` in different parts (``a[b/c]d``) as plain text, and that loads."""
    for part in Path(folder).absolute().parts:
        if not fnmatch.fnmatchcase(part, part):
            match = _GLOB_CLASS.search(part)
            return match.group(0) if match else part
    return None


def other_folder_matched(folder: str | Path) -> str | None:
    """Another folder that ``folder``'s absolute path, read as a glob pattern, matches (``study*`` matches
    ``study-old``), or None: ``datasets.load_dataset`` globs the card's ``data_files`` joined to that path, so it reads
    that folder's files too (a ``*`` or ``?`` in the path loaded the clips and judgments of every such folder as one
    dataset, without a word)."""
    text = str(Path(folder).absolute())
    if not any(c in text for c in "*?["):
        return None
    own = os.path.normpath(text)
    return next((m for m in sorted(glob.glob(text)) if os.path.normpath(m) != own and os.path.isdir(m)), None)


def unloadable_path_problem(folder: str | Path) -> str | None:
    """Why ``datasets.load_dataset`` cannot read a Hub-layout folder at ``folder`` (its path), or None: said in one
    line, where ``datasets`` says that a file which is there cannot be found, or reads another folder's files too."""
    brackets = glob_class_in_path(folder)
    if brackets is not None:
        return (f"datasets.load_dataset cannot read a folder whose path holds {brackets!r}: it reads '[...]' as a "
                "glob pattern and finds none of the card's files; move or rename the folder so its path has no "
                "brackets")
    if (other := other_folder_matched(folder)) is not None:
        return (f"datasets.load_dataset cannot read a folder whose path, read as a glob pattern ('*', '?'), also "
                f"matches {other}: it would read that folder's files too; move or rename the folder so its path has "
                "no '*' or '?'")
    return None


def require_loadable_folder(folder: str | Path, flag: str) -> None:
    """Refuse, before any work, an output folder that neither ``datasets.load_dataset`` nor ``bgs_hf.data.load``
    could read back (the export would print a load command that fails)."""
    if problem := unloadable_path_problem(folder):
        raise BGSInputError(f"{flag}: {problem} (nothing was written)", path=Path(folder))


def looks_like_repo_id(source: str) -> bool:
    """``name`` or ``owner/name`` as the Hub spells a repo id (what ``load`` downloads when no such folder exists)."""
    return bool(_REPO_ID.match(source)) and not source.startswith(".")


def download(repo_id: str, *, revision: str | None = None) -> Path:
    """Snapshot a dataset repo (cached; honours ``HF_HUB_OFFLINE``) and return its local folder. The Hub's answer
    for a repo or revision it does not have is huggingface_hub's error, whose first line is only "404 Client Error."
    (401 without a token): those are named here."""
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        return Path(snapshot_download(repo_id, repo_type="dataset", revision=revision))
    except LocalEntryNotFoundError:  # was only "not in the Hub cache (offline or unreachable)": no way on
        # the revision in the advice too: `hf download` alone fetched `main`, and the copied cache still lacked it
        why = "HF_HUB_OFFLINE is set" if constants.HF_HUB_OFFLINE else "offline or unreachable"
        raise BGSInputError(f"{quoted(repo_id)} is not a local folder and is not in the Hub cache ({why}): "
                            f"{download_advice(repo_id, repo_type='dataset', revision=revision)}, or pass the "
                            "dataset's folder"
                            f"{folder_typo_hint(repo_id)}") from None
    except GatedRepoError:
        raise BGSInputError(f"Hub dataset {repo_id!r} is gated: accept its conditions on its Hub page, then log in "
                            "with that account (`hf auth login` or HF_TOKEN)") from None
    except RepositoryNotFoundError:  # the Hub's 404, or its 401 to a request without a token that can read the repo
        raise BGSInputError(f"{quoted(repo_id)} is not a local folder, and the Hub has no dataset repo of that name that "
                            "this token can read (a private one needs `hf auth login` or HF_TOKEN)") from None
    except RevisionNotFoundError:
        raise BGSInputError(f"Hub dataset {repo_id!r} has no revision {revision!r}") from None
    except Exception as err:  # noqa: BLE001 - network errors (httpx) are not HfHubHTTPError
        raise BGSInputError(f"cannot download dataset {repo_id!r}: {str(err).splitlines()[0]}") from None


# ---------------------------------------------------------------------------------------------- read
def table_path(value: str) -> PurePosixPath:
    """A relative path as a table writes it, a Windows backslash read as ``/`` (``sub\\a.mp4`` is ``sub/a.mp4``): the
    one reading of every table reader (Hub layout, ``data import``, the release), so a name finds the same file."""
    return PurePosixPath(value.replace("\\", "/"))


def escapes_folder(value: str) -> bool:
    """A path written in a table that is absolute (POSIX, Windows drive or UNC) or climbs out with ``..``."""
    posix, win = table_path(value), PureWindowsPath(value)
    return posix.is_absolute() or win.is_absolute() or bool(win.drive) or ".." in posix.parts


def safe_video_path(value: str, folder: Path, *, path: Path, row: int, problems: Problems) -> Path | None:
    """Resolve a relative ``video`` entry inside ``folder``; absolute or escaping paths are refused, and so is a NUL
    character, which no file name holds (resolving it raised ``ValueError: embedded null byte``)."""
    posix = table_path(value)
    if "\x00" in value:
        problems.add(f"video path {quoted(value)} holds a NUL character, which no file name can", path=path, row=row)
        return None
    if escapes_folder(value):
        problems.add(f"video path {quoted(value)} must be relative and stay inside the dataset folder", path=path, row=row)
        return None
    root = folder.resolve()
    resolved = (root / posix).resolve()
    if not any(resolved.is_relative_to(r) for r in _own_roots(root)):  # a symlink pointing outside
        problems.add(f"video path {quoted(value)} resolves outside the dataset folder (a symlink? copy the video into "
                     "the folder)", path=path, row=row)
        return None
    return resolved


def _own_roots(root: Path) -> tuple[Path, ...]:
    """Where a dataset folder's files may live: the folder, and for a Hub cache snapshot
    (``.../snapshots/<commit>``, whose files are symlinks into ``../../blobs``) its repo's blob store."""
    blobs = root.parent.parent / "blobs"
    if root.parent.name == "snapshots" and blobs.is_dir():
        return (root, blobs.resolve())
    return (root,)


#: ``meta`` key: how many clips of the clips config's Hub ``train`` split the test clips were drawn from (its Hub
#: splits named train and validation, no test)
TEST_DRAWN_FROM_HUB_TRAIN = "test_drawn_from_hub_train"
#: the Hub split (``train``, ``test`` ...) a row of a config was declared under in the card's YAML
HF_SPLIT = "_hf_split"
#: Data-file types ``datasets`` reads for a YAML config; any of them changing must change the cache key.
TABLE_SUFFIXES = frozenset({".parquet", ".csv", ".tsv", ".json", ".jsonl", ".arrow", ".txt"})
#: columns that hold names, not numbers: a CSV config reads them as text, since ``datasets`` infers clip ids
#: ``000``, ``007`` (or participant ``007``) as the numbers 0 and 7, which name no clip of the videos table
TEXT_COLUMNS: tuple[str, ...] = ("clip_id", "video", "captions", "stimulus_set", "participant", "session")


def _cache_dir(folder: Path) -> str:
    """A datasets cache folder keyed by this folder's path and its files' sizes and mtimes.

    datasets 5.2 keys the cache of a local folder with YAML configs by the folder *name* and the
    config patterns only: two folders called ``ds`` (or a rewritten one) silently share stale Arrow
    files. A key of our own avoids that and still reuses the cache while nothing changed.
    """
    import datasets

    h = hashlib.sha256(str(folder.resolve()).encode())
    tables = [f for f in folder.rglob("*") if f.suffix.lower() in TABLE_SUFFIXES and f.is_file()]
    for f in sorted([folder / "README.md", *tables]):
        st = f.stat()
        h.update(f"{f.relative_to(folder)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return str(Path(datasets.config.HF_DATASETS_CACHE) / "bgs_hf_local" / h.hexdigest()[:16])


def _reader_kwargs(folder: Path, name: str, cache_dir: str) -> dict[str, Any]:
    """``load_dataset`` arguments for the config's file type: a CSV (or TSV) config reads :data:`TEXT_COLUMNS` as
    text (parquet keeps the types it was written with; pandas skips converters of columns a file lacks)."""
    import datasets

    if datasets.load_dataset_builder(str(folder), name, cache_dir=cache_dir).name != "csv":
        return {}
    return {"converters": dict.fromkeys(TEXT_COLUMNS, str)}


def _load_config(folder: Path, name: str, problems: Problems) -> pd.DataFrame:
    """Config ``name`` as one frame (its Hub splits concatenated, each row's split in :data:`HF_SPLIT`, its 1-based
    position in ``ROW``); a reader failure or an empty config is fatal, in one line."""
    import datasets

    if other_folder_matched(folder) is not None:  # it loads, with that folder's rows mixed in
        problems.fatal(f"config {name!r} unreadable: {unloadable_path_problem(folder)}", path=folder / "README.md")
    cache_dir = _cache_dir(folder)
    empty: str | None = None
    try:
        kwargs = _reader_kwargs(folder, name, cache_dir)
        try:
            dd = datasets.load_dataset(str(folder), name, cache_dir=cache_dir, **kwargs)
        except Exception as first:  # noqa: BLE001 - maybe our cache, not the user's files: rebuild it once
            empty = _empty_files_problem(folder, name, cache_dir)  # no cache rebuilt can read an empty file
            if empty or not any(Path(cache_dir).rglob("*.arrow")):
                raise
            logger.warning("config %r of %s failed to load (%s: %s); trying once more with its datasets cache "
                           "rebuilt from the dataset's files", name, folder, type(first).__name__,
                           str(first).splitlines()[0][:200])
            dd = datasets.load_dataset(str(folder), name, cache_dir=cache_dir, download_mode="force_redownload",
                                       **kwargs)
    except Exception as err:  # noqa: BLE001 - any reader failure becomes one clear line for the user
        if empty:
            problems.fatal(empty, path=folder / "README.md")
        if isinstance(err, FileNotFoundError) and (unloadable := unloadable_path_problem(folder)):
            problems.fatal(f"config {name!r} unreadable: {unloadable}", path=folder / "README.md")
        detail = str(err).splitlines()[0].split(" with any supported extension")[0]  # drop a 4 kB list
        problems.fatal(f"config {name!r} unreadable ({type(err).__name__}: {detail[:300]})",
                       path=folder / "README.md")
    parts = [_frame(dd[s]).assign(**{HF_SPLIT: s}) for s in dd]
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if df.empty:
        problems.fatal(f"config {name!r} has no rows", path=folder / name)
    df[ROW] = np.arange(1, len(df) + 1)
    if shards := _parquet_shards(folder, name, list(dd), cache_dir, len(df)):
        problems.shards(folder / name, shards)
    return df


def _frame(ds: Any) -> pd.DataFrame:
    """``ds`` as pandas, its integer columns of names (:data:`TEXT_COLUMNS`: sessions 1, 2) kept integers: pandas
    turns an int64 column with a null into float, and sessions 1, 2 would become the names '1.0', '2.0'."""
    import datasets

    df = ds.to_pandas()
    for col in TEXT_COLUMNS:
        feature = ds.features.get(col)
        if (isinstance(feature, datasets.Value) and feature.dtype.startswith(("int", "uint"))
                and df[col].dtype.kind == "f"):
            df[col] = pd.Series(ds.data.column(col).to_pylist(), index=df.index, dtype=object)
    return df


def _parquet_shards(folder: Path, name: str, splits: list[str], cache_dir: str, n_rows: int) -> list[tuple[Path, int]]:
    """Each file of a config read from several parquet files (a sharded Hub upload), with its row count, in the
    order ``load_dataset`` concatenated them; [] for one file, or files whose row counts only their reader knows."""
    import pyarrow.parquet as pq

    try:
        data_files = _data_files(folder, name, cache_dir)
        files = [f for split in splits for f in data_files[split]]
        if len(files) < 2 or any(f.suffix.lower() != ".parquet" for f in files):
            return []
        shards = [(f, pq.read_metadata(f).num_rows) for f in files]
    except Exception as err:  # noqa: BLE001 - only problem messages lose their file name; loading goes on
        logger.debug("no per-file rows for config %r of %s: %s", name, folder, err)
        return []
    return shards if sum(n for _, n in shards) == n_rows else []


def _data_files(folder: Path, name: str, cache_dir: str) -> dict[str, list[Path]]:
    """The files the card declares for config ``name``, by Hub split, as ``load_dataset`` resolves its patterns."""
    import datasets

    data_files = datasets.load_dataset_builder(str(folder), name, cache_dir=cache_dir).config.data_files
    return {split: [Path(f) for f in files] for split, files in data_files.items()}


def _holds_rows(path: Path) -> bool | None:
    """Whether a declared data file holds a row, read without ``datasets``; None where only its reader can tell
    (JSON, Arrow, text) or the file does not read."""
    import pyarrow.parquet as pq

    suffix = path.suffix.lower()
    try:
        if path.stat().st_size == 0:
            return False
        if suffix == ".parquet":
            return pq.read_metadata(path).num_rows > 0
        if suffix in (".csv", ".tsv"):  # one row read is enough to tell; a header alone reads none
            return len(pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", nrows=1, dtype=str)) > 0
    except Exception as err:  # noqa: BLE001 - unknown: the reader's own failure is reported instead
        logger.debug("cannot count the rows of %s: %s", path, err)
    return None


def _empty_files_problem(folder: Path, name: str, cache_dir: str) -> str | None:
    """The line naming the declared files of config ``name`` that hold no rows, when that is why ``datasets`` 5.2
    failed, else None. It refuses a config whose files are all empty ("Instruction "train" corresponds to no data!")
    and a zero-row parquet or zero-byte file even beside files with rows ("An error occurred while generating the
    dataset"): neither line says "empty"."""
    try:
        files = [f for split_files in _data_files(folder, name, cache_dir).values() for f in split_files]
    except Exception as err:  # noqa: BLE001 - no file list: the reader's own failure is reported instead
        logger.debug("no data files for config %r of %s: %s", name, folder, err)
        return None
    empty = [f for f in files if _holds_rows(f) is False]
    if empty and len(empty) == len(files):
        one = len(files) == 1
        its = f"its file {_listed(empty, folder)} holds" if one else f"its {len(files)} files {_listed(empty, folder)} hold"
        return (f"config {name!r} has no rows: {its} none; write its {name} into {'it' if one else 'them'}, or point "
                "the card's configs at the files that hold them")
    # datasets reads a header-only CSV beside files with rows; a zero-row parquet or a zero-byte file it cannot
    unreadable = [f for f in empty if f.suffix.lower() == ".parquet" or f.stat().st_size == 0]
    if not unreadable:
        return None
    one = len(unreadable) == 1
    return (f"config {name!r}: {_listed(unreadable, folder)} {'holds' if one else 'hold'} no rows, which datasets "
            f"cannot read beside the config's other files; delete {'it' if one else 'them'}")


def _listed(files: list[Path], folder: Path) -> str:
    """Up to three of ``files``, relative to the dataset folder, as a card's ``data_files`` name them."""
    bases = (folder.resolve(), folder.absolute())  # not the files resolved: a Hub snapshot's are links to blobs
    shown = [next((f.relative_to(b).as_posix() for b in bases if f.is_relative_to(b)), f.name) for f in files[:3]]
    return ", ".join(shown) + (f" and {len(files) - 3} more" if len(files) > 3 else "")


def _require(df: pd.DataFrame, cols: tuple[str, ...], where: Path, problems: Problems) -> None:
    """Report every missing column of ``cols`` at once, then stop: no row of ``df`` can be checked without them."""
    missing = [c for c in cols if c not in df.columns]
    for c in missing:
        problems.add(missing_column(c, [x for x in df.columns if x != ROW], cols), path=where)
    if missing:
        raise StopChecks(f"{where}: missing columns")


def _no_value(value: object) -> bool:
    """A cell pandas left empty: None, or NaN where a column with nulls became float."""
    return value is None or (isinstance(value, float) and np.isnan(value))


def _caption_lists(clips: pd.DataFrame, where: Path, problems: Problems) -> list[list[str]]:
    """``captions`` as a list of strings per clip: a list (or array) of strings, one string, or null."""
    out: list[list[str]] = []
    for row, value in zip(clips[ROW], clips["captions"]):
        if _no_value(value):
            out.append([])
        elif isinstance(value, str):  # one caption, not a sequence of characters
            out.append([value])
        elif isinstance(value, (list, tuple, np.ndarray)) and all(isinstance(x, str) for x in value):
            out.append([str(x) for x in value])
        else:
            shown = value.tolist() if isinstance(value, np.ndarray) else value  # parquet lists come as arrays
            problems.add(f"column 'captions': {shown!r} is not a list of strings", path=where, row=int(row))
            out.append([])
    return out


#: what ``pd.api.types.infer_dtype`` calls a column whose cells (nulls aside) hold no text
_NO_TEXT = frozenset({"empty", "integer", "floating", "mixed-integer-float", "boolean", "bytes", "decimal", "complex",
                      "datetime64", "datetime", "date", "timedelta64", "timedelta", "time", "period", "interval"})


def _blank_text(values: pd.Series) -> np.ndarray:
    """Where a cell is text that ``str.strip`` leaves empty, computed by arrow over the column: a Python call per
    cell took 0.85 s of a 3.1 s read of a THINGS-sized judgments config (1M rows). Arrow's ``utf8_is_space`` holds
    the same characters as ``str.isspace`` (all of Unicode compared); a column mixing text with other values (no
    datasets config holds one) is still read cell by cell."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in _NO_TEXT:
        return np.zeros(len(values), dtype=bool)
    if kind != "string":
        return values.map(lambda v: isinstance(v, str) and v.strip() == "").to_numpy(dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(values, type=pa.large_string(), from_pandas=True)  # no 2 GiB cap
    return pc.or_(pc.equal(text, ""), pc.utf8_is_space(text)).fill_null(False).to_numpy(zero_copy_only=False)


def _null_rows(df: pd.DataFrame, cols: tuple[str, ...], where: Path, problems: Problems) -> np.ndarray:
    """Rows with a null or blank value in ``cols``, reported (a blank id would pool unrelated rows)."""
    bad = df[list(cols)].isna().to_numpy().copy()
    for k, col in enumerate(cols):
        bad[:, k] |= _blank_text(df[col])
    rows = np.flatnonzero(bad.any(axis=1))
    problems.add_rows(where, df[ROW].to_numpy()[rows],
                      (f"column {cols[int(np.argmax(bad[i]))]!r} is empty" for i in rows))
    return bad.any(axis=1)


def read_hub(
    source: str | Path, *, split_config: SplitConfig | None = None, problems: Problems | None = None,
    name: str | None = None,
) -> OddOneOutData:
    """Read layout (b) from a local folder (or a folder ``download`` returned)."""
    problems = Problems() if problems is None else problems
    folder = Path(source)
    front = read_front_matter(folder / "README.md")
    # the Hub cache's snapshot of a dataset by its repo id: its folder's name is a commit hash
    snapshot = hub_snapshot(folder.resolve(), "dataset")
    name = front.get("pretty_name") or name or (snapshot[0] if snapshot and not snapshot[2] else folder.resolve().name)
    split_config = split_config or SplitConfig()
    clips, missing, drawn_from = _read_clips(folder, problems, split_config)
    judgments = _read_judgments(folder, clips["clip_id"].astype(str).tolist(), problems)
    # an import's provenance, so a re-publish's card says it again
    meta = {"source": "hub", "folder": str(folder.resolve()), "videos_missing": missing, **imported_meta(front)}
    if drawn_from is not None:  # `data validate` says the test clips are a seeded draw, as for unlabelled clips
        meta[TEST_DRAWN_FROM_HUB_TRAIN] = drawn_from
    return finish(clips, judgments, name=name, root=folder.resolve(), meta=meta,
                  split_config=split_config, stimulus_path=folder / "clips",
                  problems=problems)


def _read_clips(folder: Path, problems: Problems,
                split_config: SplitConfig) -> tuple[pd.DataFrame, list[tuple[int, str, str]], int | None]:
    """The ``clips`` config with every column ``finish`` reads, the (row, clip_id, path) of each video it names
    that is not there (a warning, not a problem: the judgments still load without their videos), and how many train
    clips the test clips were drawn from when its Hub splits name no test split (else None)."""
    where = folder / "clips"
    clips = _split_column_as_stimulus_set(_load_config(folder, "clips", problems), where)
    _warn_unread_columns(clips, (*CLIP_COLUMNS, "rating_<attr>"), where)
    _require(clips, ("clip_id",), where, problems)
    dup = clips["clip_id"].duplicated().to_numpy()
    problems.add_rows(where, clips[ROW].to_numpy()[dup],
                      (f"clip_id {quoted(v)} appears twice" for v in clips["clip_id"][dup]))
    _check_integer_ids(clips, where)
    drawn_from = None
    if "stimulus_set" not in clips.columns:
        drawn_from = _stimulus_set_from_hub_splits(clips, where, split_config)
    for col in ("video", "captions", "stimulus_set"):
        if col not in clips.columns:
            clips[col] = None
    clips["captions"] = _caption_lists(clips, where, problems)
    _null_rows(clips, ("clip_id",), where, problems)
    for col in [c for c in clips.columns if c.startswith("rating_")]:  # NaN = not rated; text/inf reported
        clips[col] = optional_numbers(clips, col, where, problems)
    clips["video"], missing = _video_files(clips, folder, where, problems)
    if missing:
        logger.warning("%s named in clips %s missing (first: %s)", count(len(missing), "video file"),
                       agree(len(missing), "is", "are"), missing[0][2])
    return clips, missing, drawn_from


def _warn_unread_columns(df: pd.DataFrame, layout: tuple[str, ...], where: Path) -> None:
    """Name a config's columns outside the layout (a study's ``condition``, an ``rt_ms`` for ``rt_s``): they are not
    read, and an export or push leaves them out, which no other line says."""
    unread = [str(c) for c in df.columns if c not in layout and c not in (ROW, HF_SPLIT)
              and not (str(c).startswith("rating_") and "rating_<attr>" in layout)
              and not str(c).startswith("__index_level_")]  # a pandas index pandas wrote beside the table
    if unread:
        logger.warning("%s: %s %s %s not read (the layout's columns: %s); `data export` and `data push` leave %s out",
                       where, "column" if len(unread) == 1 else "columns", first_few([repr(c) for c in unread]),
                       agree(len(unread), "is", "are"), ", ".join(layout), agree(len(unread), "it", "them"))


#: the column a publisher following the Hub's habit names its clips' splits in (the layout's is ``stimulus_set``)
SPLIT_COLUMN = "split"


def _split_column_as_stimulus_set(clips: pd.DataFrame, where: Path) -> pd.DataFrame:
    """A ``split`` column labelling every clip train/validation/test, where ``stimulus_set`` is absent, read as
    ``stimulus_set``: it was an unread column, the test clips a seeded draw and its validation clips trained on."""
    if "stimulus_set" in clips.columns or SPLIT_COLUMN not in clips.columns:
        return clips
    labels = clips[SPLIT_COLUMN]
    if not all(isinstance(v, str) and v.strip().lower() in STIMULUS_SET_ALIASES for v in labels):
        return clips  # something else, or labels with gaps: left unread, and the warning names it
    logger.info("%s: column %r read as stimulus_set (%s)", where, SPLIT_COLUMN, ", ".join(sorted(set(labels))))
    return clips.rename(columns={SPLIT_COLUMN: "stimulus_set"})


def _stimulus_set_from_hub_splits(clips: pd.DataFrame, where: Path, split_config: SplitConfig) -> int | None:
    """A publisher who split the clips config into Hub splits (train/validation/test files) named its clips' splits:
    those become ``stimulus_set``, not a seeded random draw. Train and validation files without a test file keep
    their validation clips, and the test clips are drawn from the train file's (``split_config``'s seeded draw): the
    whole config was drawn, so most of the publisher's validation clips were trained on. Splits that cannot be read
    are said, then drawn. Returns the number of train clips the test clips were drawn from on that path, else None
    (a draw of every clip, where ``finish`` marks the data ``split_drawn``)."""
    hub_splits = sorted(clips[HF_SPLIT].unique())
    if len(hub_splits) < 2:
        return None
    known = [STIMULUS_SET_ALIASES.get(str(v).lower()) for v in hub_splits]
    if None not in known and "test" in known:
        logger.info("%s: clip splits from the config's Hub splits (%s)", where, ", ".join(hub_splits))
        clips["stimulus_set"] = clips[HF_SPLIT]
        return None
    unknown = [str(s) for s, k in zip(hub_splits, known, strict=True) if k is None]
    named = clips[HF_SPLIT].map(lambda v: STIMULUS_SET_ALIASES.get(str(v).lower())).to_numpy(dtype=object)
    if not unknown and "train" in known:  # train + validation: the commonest layout, and no test clip in it
        train = np.flatnonzero(named == "train")
        named[train[seeded_test(len(train), split_config)]] = "test"
        clips["stimulus_set"] = named
        logger.warning("%s: Hub splits %s name no test split; the test clips are drawn at random (seeded) from the "
                       "%s, and the %s stay validation", where, ", ".join(map(str, hub_splits)),
                       count(len(train), "train clip"), count(int((named == "val").sum()), "validation clip"))
        return len(train)
    why = f"include {', '.join(unknown)}, not one of train/validation/test" if unknown else "name no test split"
    also = (f"; the validation split's clips are drawn with the rest (name {', '.join(unknown)} train or test to "
            "keep them validation)") if "val" in known and unknown else ""
    logger.warning("%s: Hub splits %s %s; the test clips are drawn at random (seeded)%s",
                   where, ", ".join(map(str, hub_splits)), why, also)
    return None


def _video_files(clips: pd.DataFrame, folder: Path, where: Path,
                 problems: Problems) -> tuple[list[str | None], list[tuple[int, str, str]]]:
    """Each clip's video as an absolute path inside ``folder`` (None when it names none, or none is there) and the
    (row, clip_id, path) of each named file that is missing. A name typed composed (NFC) finds the file a Mac saved
    decomposed (NFD)."""
    videos: list[str | None] = []
    missing: list[tuple[int, str, str]] = []
    index: dict[str, str] | None = None  # the folder's files by NFC name, built at the first name not found
    for row, value, cid in zip(clips[ROW], clips["video"], clips["clip_id"]):
        if _no_value(value) or str(value) == "":
            videos.append(None)
            continue
        resolved = safe_video_path(str(value), folder, path=where, row=int(row), problems=problems)
        if resolved is not None and not resolved.is_file():
            from bgs_hf.data.triplet_table import nfc_name, video_index

            index = video_index(folder, problems) if index is None else index
            rel = index.get(nfc_name(table_path(str(value)).as_posix()))
            if rel is not None:
                resolved = safe_video_path(rel, folder, path=where, row=int(row), problems=problems)
        if resolved is not None and not resolved.is_file():
            missing.append((int(row), cid, str(value)))
            resolved = None
        videos.append(None if resolved is None else str(resolved))
    return videos, missing


def _read_judgments(folder: Path, clip_ids: list[str], problems: Problems) -> pd.DataFrame:
    """The ``judgments`` config, typed as ``finish`` expects, without its bad rows (each reported with its row)."""
    where = folder / "judgments"
    n_clips = len(clip_ids)
    judg = _load_config(folder, "judgments", problems)
    _warn_unread_columns(judg, JUDGMENT_COLUMNS, where)
    cols = ("clip_a", "clip_b", "clip_c")
    _require(judg, (*cols, "odd", "participant"), where, problems)
    null = _null_rows(judg, (*cols, "odd", "participant"), where, problems)
    # 1.5 or "x" as a clip index / odd is reported per row, never truncated or left to a deep cast error
    filled = judg.assign(**{c: judg[c].mask(null, 0) for c in (*cols, "odd")})
    # ids are looked for in the cells as written: a null filled with 0 was a number that hid them (each id cell was
    # then "not an integer", row by row)
    parsed = [(np.zeros(len(judg), np.int64), np.ones(len(judg), bool))
              if _names_clip_ids(judg, c, clip_ids, where, problems) else to_ints(filled, c, where, problems)
              for c in (*cols, "odd")]
    idx = np.stack([v for v, _ in parsed[:3]], axis=1)
    odd = parsed[3][0]
    bad = null | np.any([b for _, b in parsed], axis=0)
    rows = judg[ROW].to_numpy()
    bad |= report_unknown_clips(((idx < 0) | (idx >= n_clips)) & ~bad[:, None], idx, rows, where,
                                problems, cols, f"clips are 0..{n_clips - 1}")
    wrong_odd = ~bad & ~np.isin(odd, (0, 1, 2))
    problems.add_rows(where, rows[wrong_odd],
                      (f"odd {v} is not a position in its triplet (0, 1 or 2)" for v in odd[wrong_odd]))
    bad |= wrong_odd
    judg["odd"] = odd.astype(np.int8)
    stored = to_bools(judg, "is_catch", where, problems) if "is_catch" in judg.columns else False
    judg["is_catch"] = non_distinct(idx) | stored
    keys = ["participant", *(["session"] if "session" in judg.columns else []), "trial"]  # what names a trial here
    for col, default in (("session", ""), ("trial", -1), ("rt_s", np.nan)):
        if col not in judg.columns:
            judg[col] = default
    judg["participant"] = _names(judg["participant"])
    judg["session"] = _names(judg["session"])
    trial = optional_numbers(judg, "trial", where, problems, integer=True)
    judg["trial"] = np.where(np.isnan(trial), -1, trial).astype(np.int64)
    judg["rt_s"] = no_negative_times(optional_numbers(judg, "rt_s", where, problems), judg, "rt_s", where, problems)
    _relisted_trials(judg, bad, keys, where, problems)
    return drop_rows(judg, bad)


def _relisted_trials(judg: pd.DataFrame, bad: np.ndarray, keys: list[str], where: Path, problems: Problems) -> None:
    """Judgments that list a numbered trial again, by the readers' shared rules: an exact copy of an earlier row is
    marked ``bad`` (dropped, one warning), any other row giving an earlier row's ``keys`` is one warning. A Hub
    layout's rows were all counted as judgments without a word, while the release and ``data import`` said so. A
    row with no trial number (-1) cannot be told from the same triplet shown twice, and stays unwarned."""
    usable = np.flatnonzero(~bad & (judg["trial"].to_numpy() != -1))
    # only rows sharing a trial can copy or relist one: a config where none does (a THINGS-sized one, 1M rows) is
    # compared on its keys alone (0.3 s, not 1.5 s)
    clash = usable[judg.iloc[usable][keys].duplicated(keep=False).to_numpy()]
    if not clash.size:
        return
    copies = copied_trials(judg.iloc[clash][list(JUDGMENT_COLUMNS)], np.ones(len(clash), bool), where)
    bad[clash[copies]] = True
    clash = clash[~copies]
    warn_relisted_trials(judg.iloc[clash][keys].reset_index(drop=True), judg[ROW].to_numpy()[clash], where, problems)


def _names(values: pd.Series) -> pd.Series:
    """A column of names (participants, sessions) as text, a null as '': a float column's whole numbers as the
    integers they are, since a parquet pandas wrote from sessions 1, 2 with a gap holds 1.0, 2.0, NaN (named '1.0',
    '2.0', while the same column as int64 with a null kept '1', '2'); a fraction (1.5), or a float past 2**53 where
    whole numbers are no longer exact, keeps the text it prints as, never rounded."""
    if values.dtype.kind != "f":
        return values.astype(object).where(values.notna(), "").astype(str)
    num = values.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(num)
    whole = finite & (np.mod(num, 1.0, out=np.ones_like(num), where=finite) == 0) & (np.abs(num) < 2.0**53)
    text = values.astype(str).to_numpy(dtype=object)
    text[whole] = num[whole].astype(np.int64).astype(str)
    text[np.isnan(num)] = ""
    return pd.Series(text, index=values.index, dtype=object)


def _names_clip_ids(judg: pd.DataFrame, col: str, clip_ids: list[str], where: Path, problems: Problems) -> bool:
    """Whether ``col`` holds no number but clip ids (a layout written by hand, clips named as in a trials CSV), said
    in one problem line naming what it must hold: "no number in any of N rows: is it the column you meant?" asked
    about the right column."""
    values = judg[col].astype(str)
    naming = values.isin(set(clip_ids))
    if pd.to_numeric(judg[col], errors="coerce").notna().any() or not naming.any():
        return False
    first = quoted(values[naming].iloc[0])
    if col == "odd":
        says = f"names the odd clip by clip_id (first: {first}): it holds the odd clip's position in its triplet (0, 1 or 2)"
    else:
        says = (f"names clips by clip_id (first: {first}): it holds each clip's 0-based row number in clips "
                f"(0..{len(clip_ids) - 1})")
    problems.add(f"column {col!r} {says}, not its id", path=where)
    return True


def _check_integer_ids(clips: pd.DataFrame, where: Path) -> None:
    """Judgments name clips by ROW position; clip ids that are the numbers 0..N-1 in another order would be read
    as positions by anyone who wrote the judgments in terms of ids: say loudly which reading is used."""
    ids = [str(v).strip() for v in clips["clip_id"]]
    numbers = [str(i) for i in range(len(ids))]
    if ids != numbers and sorted(ids) == sorted(numbers):  # compared as text: no int cast of long ids
        first = next(i for i, (a, b) in enumerate(zip(ids, numbers)) if a != b)
        logger.warning("%s: clip_id holds the numbers 0..%d in another order than the rows (row %d has clip_id "
                       "%s): clip_a/clip_b/clip_c are read as ROW positions; if your judgments name clip ids, sort "
                       "the clips by clip_id", where, len(ids) - 1, first + 1, ids[first])


# ---------------------------------------------------------------------------------------------- write
def _size_category(n: int) -> str:
    """The Hub's ``size_categories`` bucket of ``n`` judgments (its search filter; the list is datasets'
    ``utils/resources/size_categories.json``): 100 million judgments or more were filed under 10M<n<100M."""
    for bound, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                         (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"),
                         (10**9, "100M<n<1B"), (10**10, "1B<n<10B"), (10**11, "10B<n<100B"), (10**12, "100B<n<1T")):
        if n < bound:
            return label
    return "n>1T"


def _video_name(clip_id: str) -> str:
    """The path a clip's video gets under ``videos/``: the clip id, sub-folders included (Moments in Time
    names clips ``walking/x.mp4``); ids that would leave ``videos/`` or name no file (a NUL in it) are refused."""
    parts = PurePosixPath(clip_id).parts
    if not parts or escapes_folder(clip_id) or "\\" in clip_id or "\x00" in clip_id or parts[-1] in (".", ".."):
        raise BGSInputError(f"clip_id {quoted(clip_id)} cannot be used as a file name under videos/")
    return PurePosixPath(*parts).as_posix()


def render_card(data: OddOneOutData, info: DatasetCardInfo | None = None, *,
                files: dict[str, str] | None = None) -> str:
    """README.md text: YAML (configs + typed card data) then the card body from ``hub_cards/``."""
    from huggingface_hub import DatasetCard, DatasetCardData

    from bgs_hf.data.stats import data_stats

    info = info or default_card_info(data)
    seed = 0  # `bgs-hf data stats`' default: the card's ceiling is the one it prints, drawn the same on every export
    stats = data_stats(data, seed=seed)  # and its n_splits (100): 0.02 s on the release's test split
    if stats["noise_ceiling"]["test"]["no_ceiling"]:  # the card reads n/a; `data stats` prints the reason in its table
        logger.warning("no split-half ceiling: %s", stats["noise_ceiling"]["test"]["no_ceiling"])
    extra: dict[str, Any] = {}
    listed = info.license if isinstance(info.license, list) else [info.license]
    if "other" in listed:  # the Hub requires a name for "other"; the link where the terms are known
        extra["license_name"] = info.license_name or DECLARED_OTHER_NAME
        link = info.license_link or (RELEASE_URL if extra["license_name"] == RELEASE_LICENSE_NAME else None)
        if link:
            extra["license_link"] = link
    card_data = DatasetCardData(
        pretty_name=info.pretty_name or data.name,
        license=info.license,
        size_categories=_size_category(len(data.judgments)),
        tags=list(info.tags),
        configs=hub_configs(files),
        **extra,
        **import_record(data.meta),
        **({PUBLISHED_AS: info.repo_id} if info.repo_id else {}),  # a download of it names it (downloaded_dataset)
    )
    rating_cols = [c for c in data.clips.column_names if c.startswith("rating_")]
    card = DatasetCard.from_template(
        card_data,
        template_path=str(TEMPLATE),
        info=info,
        stats=stats,
        rating_columns=rating_cols,
        rating_ranges={c: _value_range(data.clips[c]) for c in rating_cols},
        clip_columns=list(CLIP_COLUMNS),
        has_videos=stats["videos"] > 0,
        named_val="val" in set(data.clips["stimulus_set"]),  # kept by write_hub: the source named them
        simulated=data.simulated_observers,  # SocialShapes: p_ij of simulated observers, not human similarity
        quality=data_quality_rows(stats, simulated=data.simulated_observers),
        quality_seed=seed,
        dropped=import_drops_note(data.meta),
    )
    return str(card)


def data_quality_rows(stats: dict[str, Any], *, simulated: bool) -> list[tuple[str, str]]:
    """The card's "Data quality" rows from :func:`bgs_hf.data.stats.data_stats`, the numbers ``bgs-hf data stats``
    prints: whether the judges attended, what was recorded twice, and how reliable their similarity is, so a reader
    of the Hub page can judge the data before loading it."""
    from bgs_hf.data.stats import leave_one_out_text

    one, who = ("simulated observer", "simulated observers") if simulated else ("participant", "participants")
    rows = [("judgments", f"{stats['judgments_total']:,} total: {stats['valid_judgments']:,} valid, "
                          f"{count(stats['catch_trials'], 'catch trial')} (excluded from every analysis)")]
    c = stats["catch_answers"]
    if c["gradable"]:
        share = 100 * c["right"] / c["gradable"]
        rows.append(("catch trials answered right",
                     f"{c['right']:,} of the {c['gradable']:,} with a right answer ({share:.1f}%); "
                     f"{c['participants_missed']:,} of {count(stats['participants'], one)} missed at least one"))
    elif stats["catch_trials"]:  # one clip three times, or flagged trials of three distinct clips
        rows.append(("catch trials answered right",
                     "n/a: no catch trial shows a clip twice, so none has a right answer"))
    r = stats["repeated_in_a_row"]
    if r["judgments"]:
        rows.append(("judgments recorded twice in a row",
                     f"{r['judgments']:,} (the same {one}, the same three clips, the next trial number; "
                     f"{r['same_answer']:,} answered alike): kept, as in the paper; {r['valid']:,} of them count "
                     "in `n_ij`"))
    t, everything = stats["noise_ceiling"]["test"], stats["noise_ceiling"]["all"]
    lo, hi = t["r2_split_half_ci"]
    if t["r2_split_half"] is None:
        ceiling = f"n/a: the test split has too few judgments or {who} for one"
    elif t.get("too_few_pairs"):
        ceiling = f"n/a: {t['too_few_pairs']}"
    else:
        ceiling = (f"{fmt(t['r2_split_half'], '.3f')} (95% range {fmt(lo, '.3f')} to {fmt(hi, '.3f')} over "
                   f"{t['n_splits']} random split-halves of the {who})")
    rows.append(("noise ceiling, test split: split-half R² (Spearman–Brown corrected to the whole group)", ceiling))
    loo = t.get("leave_one_participant_out")
    if loo:  # the line `data stats` prints, in its words
        rows.append((f"leave-one-out: each of the {who} against the others' `p_ij`", leave_one_out_text(loo, one)))
    agreement = [f"{name} {fmt(x['repeat_agreement'], '.3f')} ({count(x['between_participant_triplets'], 'triplet')})"
                 for name, x in (("test split", t), ("all data", everything))]
    rows.append((f"agreement of two {who} answering the same triplet", "; ".join(agreement)))
    return rows


def _value_range(values: Any) -> str:
    """'0 to 1 in this data' for a rating column: ratings come on any scale (a release's 0-1, a lab's 1-7), so the
    card states the one it has rather than a fixed interval."""
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return "no values in this data"
    return f"{arr.min():.4g} to {arr.max():.4g} in this data"


#: the config ``load_dataset(folder)`` reads when given none: the judgments are the dataset (the Hub viewer shows it)
DEFAULT_CONFIG = "judgments"


def hub_configs(files: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """YAML ``configs``; ``files`` maps config -> its parquet path (default: a glob per config). The judgments are
    the ``default`` config: ``load_dataset(folder)`` without a config name was "Config name is missing"."""
    files = files or {name: f"{name}/*.parquet" for name in CONFIGS}
    return [{"config_name": name, **({"default": True} if name == DEFAULT_CONFIG else {}),
             "data_files": [{"split": "train", "path": files[name]}]} for name in CONFIGS]


def _write_parquet(ds: Any, folder: Path) -> str:
    """Write ``ds`` as ``train-<content hash>.parquet``; returns the name.

    datasets 5.2 caches a local folder's configs under a key made of the folder name and the YAML
    patterns, not the files: naming each file by its content makes a re-export (or another folder with
    the same name) a new key, so a plain ``load_dataset(dir, ...)`` never serves stale rows.
    """
    tmp = folder / ".writing.parquet"
    ds.to_parquet(str(tmp))
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()[:16]
    name = f"train-{digest}.parquet"
    tmp.replace(folder / name)
    return name


def write_hub(data: OddOneOutData, out_dir: str | Path, *, card: bool = True,
              card_info: DatasetCardInfo | None = None) -> Path:
    """Export any source to layout (b); videos are copied under ``videos/``. Returns ``out_dir``.

    ``out_dir`` must be new or empty, as for ``bgs-hf data export`` (a second export into one folder kept the
    first one's videos); the layout is built aside and appears whole, so a failed or interrupted write leaves
    nothing (no ``*.writing.parquet``, no videos without their tables) to block a retry."""
    from bgs_hf._files import built_in_place, require_new_folder

    out = Path(out_dir)
    if data.root is not None and out.resolve() == Path(data.root).resolve():
        raise BGSInputError("refusing to export a dataset onto its own folder", path=out)
    if out.exists() and not out.is_dir():
        raise BGSInputError("the output exists and is not a folder", path=out)
    require_new_folder(out, "out_dir")
    with built_in_place(out) as work:
        _write_layout(data, work, card=card, card_info=card_info)
    return out


def _write_layout(data: OddOneOutData, out: Path, *, card: bool, card_info: DatasetCardInfo | None) -> None:
    """The Hub layout of ``data`` in ``out`` (write_hub's work folder): videos, ground truth, both configs, README."""
    import datasets

    from bgs_hf.data.build import clip_features

    clips = data.clips.to_pandas()
    to_copy = [(i, v) for i, v in enumerate(clips["video"]) if isinstance(v, str) and v]
    # every name and source is checked before anything is written: no half-made folder on a bad clip
    names = _checked_video_names(clips, [i for i, _ in to_copy])
    for i, src in to_copy:
        if not Path(src).is_file():
            raise BGSInputError(f"video of clip {clips.at[i, 'clip_id']!r} missing: {src}")
    out.mkdir(parents=True, exist_ok=True)
    for config in CONFIGS:
        (out / config).mkdir(exist_ok=True)
    clips["video"] = _copy_videos(to_copy, names, out, len(clips))
    _copy_ground_truth(data, out)
    clips["stimulus_set"] = _stored_stimulus_sets(data, clips["stimulus_set"].to_numpy(dtype=object))
    rating_cols = sorted(c for c in clips.columns if c.startswith("rating_"))
    clip_ds = datasets.Dataset.from_pandas(clips, features=clip_features(rating_cols), preserve_index=False)
    files = {
        "clips": "clips/" + _write_parquet(clip_ds, out / "clips"),
        "judgments": "judgments/" + _write_parquet(data.judgments, out / "judgments"),
    }
    if card:
        text = render_card(data, card_info, files=files)
    else:
        text = "---\n" + yaml.safe_dump({"configs": hub_configs(files)}, sort_keys=False) + "---\n"
    (out / "README.md").write_text(text, encoding="utf-8")
    # `out` is the hidden work folder: the caller names the folder it becomes (`bgs-hf data export` prints it)
    logger.debug("wrote Hub layout in %s (%d clips, %d judgments, %d videos)", out, len(clips),
                 len(data.judgments), len(to_copy))


def _checked_video_names(clips: pd.DataFrame, rows: list[int]) -> dict[int, str]:
    """``{row: path under videos/}`` of the clips at ``rows``; two clip ids naming one file are refused, and ids
    that differ only in case (one file on macOS and Windows) are a warning."""
    names = {i: _video_name(str(clips.at[i, "clip_id"])) for i in rows}
    seen: dict[str, int] = {}
    for i, name in names.items():  # 'walk//x.mp4' and 'walk/x.mp4' name one file
        other = seen.setdefault(name, i)
        if other != i:
            raise BGSInputError(f"clips {clips.at[other, 'clip_id']!r} and {clips.at[i, 'clip_id']!r} would share "
                                f"the video file videos/{name}: rename one clip_id (nothing was written)")
    folded = len({n.casefold() for n in names.values()})
    if folded < len(set(names.values())):  # fine here, one file on a case-insensitive disk (macOS, Windows)
        n = len(set(names.values())) - folded
        logger.warning("%s from another only in letter case: their videos collide when the dataset is cloned onto a "
                       "case-insensitive file system", f"{count(n, 'clip id')} {agree(n, 'differs', 'differ')}")
    return names


def _copy_videos(to_copy: list[tuple[int, str]], names: dict[int, str], out: Path, n_clips: int) -> list[str | None]:
    """Copy each ``(row, source)`` video to ``out/videos/<name>``; returns every clip's ``video`` column (the path
    relative to ``out``, None for a clip without a video)."""
    from bgs_hf._bars import delayed_bar

    relative: list[str | None] = [None] * n_clips
    for i, src in delayed_bar(to_copy, desc="copy videos", unit="clip", disable=len(to_copy) < 20):
        dst = out / "videos" / names[i]
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists() or dst.resolve() != Path(src).resolve():
            shutil.copy2(src, dst)
        relative[i] = f"videos/{names[i]}"
    return relative


def _stored_stimulus_sets(data: OddOneOutData, given: np.ndarray) -> np.ndarray:
    """Each clip's ``stimulus_set`` as written: the effective train/test of ``data``'s splits, so a reload sees the
    same test clips; a val the source named stays val (any other val is carved again on load)."""
    label = np.full(len(given), None, dtype=object)
    label[data.split_items("fit")] = "train"
    label[data.split_items("test")] = "test"
    return np.where(given == "val", "val", label)


def _copy_ground_truth(data: OddOneOutData, out: Path) -> None:
    """A SocialShapes instance's ground truth goes with its export (it was left behind: the export, and a dataset
    pushed from it, loaded as people's judgments). ``out`` is write_hub's fresh work folder."""
    if not data.meta.get("ground_truth"):
        return
    source = Path(data.meta["ground_truth"]).parent
    for name in GROUND_TRUTH_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, out / name)


def push_to_hub(folder: str | Path, repo_id: str, *, private: bool = False, token: str | None = None) -> str:
    """Upload a layout (b) folder as a dataset repo; returns the repo URL. The token is never logged."""
    from bgs_hf.hub.push import upload_folder

    url, _ = upload_folder(folder, repo_id, repo_type="dataset", private=private, token=token,
                           commit_message="Upload odd-one-out dataset (bgs-hf)",
                           replaces=DATASET_FILES)  # an earlier push's parquet, videos and ground truth
    return url  # the Hub's own answer: a custom HF_ENDPOINT's address, not huggingface.co's
