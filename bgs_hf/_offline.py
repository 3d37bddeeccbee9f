"""Whether the Hugging Face Hub can be reached, and which names can only be folders: the checks every model name
(backbones, the caption baseline's sentence model) goes through before a Hub lookup.

Kept apart from :mod:`bgs_hf.models.registry` so a command can refuse a bad sentence model at once: importing the
registry imports torch, transformers and peft (about 3-6 s on a small machine) before the check could run.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import getproxies

from bgs_hf._files import expand_user
from bgs_hf._format import did_you_mean

#: a Hub dataset page's address (``https://huggingface.co/datasets/ORG/NAME/tree/main``, the short
#: ``https://hf.co/datasets/ORG/NAME`` papers and READMEs link, ``hf://datasets/ORG/NAME``)
_HUB_DATASET_PAGE = re.compile(
    r"^(?:https?://(?:www\.)?(?:huggingface|hf)\.co/|hf://)datasets/([A-Za-z0-9][\w.-]*/[\w.-]+)(?:[/?#@].*)?$")


def dataset_page_id(name: str) -> str | None:
    """The dataset id in a Hub dataset page's address (``https://huggingface.co/datasets/ORG/NAME/tree/main`` or
    ``hf://datasets/ORG/NAME`` gives ``ORG/NAME``), else None: the address pasted from the browser where an id is
    asked for is named by the id to pass, not refused as a malformed id or a missing folder. None too where the Hub
    refuses that id (``.../datasets/org/a--b``): "pass --dataset org/a--b" was said, and that was refused in turn.
    Here, below both the data loader and the model card, which read it alike."""
    page = _HUB_DATASET_PAGE.match(name)
    if page is None:
        return None
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(page[1])
    except HFValidationError:
        return None
    return page[1]


def hub_unreachable() -> str | None:
    """Why the Hub cannot be reached (its host does not resolve), else None. Checked before a Hub lookup so an
    offline machine gets one line at once: huggingface_hub retries a file it has not cached five times (23 s and
    ten warnings, up to "Retrying in 8s") before failing. ``HF_HUB_OFFLINE`` lookups are cache-only already."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return None
    url = urlparse(constants.ENDPOINT)
    proxies = getproxies()  # the *_proxy variables, as the Hub client reads them
    if proxies.get(url.scheme or "https") or proxies.get("all"):  # (an ``http://`` mirror goes by HTTP_PROXY)
        return None  # the proxy resolves the host: a local DNS failure says nothing about reaching the Hub
    host = url.hostname or constants.ENDPOINT
    try:
        socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except OSError:
        return host
    return None


def download_advice(name: str, *, repo_type: str = "model", revision: str | None = None) -> str:
    """What to do about a Hub name the local cache lacks while the Hub cannot be asked: the one wording of the
    advice, for backbones, sentence models and datasets. A ``revision`` asked for is in the command: without it
    ``hf download`` fetched ``main``, and the revision was still missing from the cache copied over."""
    flag = "" if repo_type == "model" else f" --repo-type {repo_type}"
    if revision is not None:
        flag += f" --revision {revision}"
    return f"download it where there is network (`hf download {name}{flag}`) and copy the cache"


def cached_hub_file(repo_id: str, *filenames: str, cache_dir: Path | None = None) -> Path | bool | None:
    """What the local Hugging Face cache (or the Hub-layout cache ``cache_dir``) knows of the Hub model ``repo_id``'s
    files (at the commit ``main`` points to): the copy of the first of ``filenames`` it holds; False where it records
    that the repo has none of them (huggingface_hub's ``.no_exist`` markers, objects, not paths: downloading again
    would not help); None where it knows nothing. A sentence-transformers model with its transformer in
    ``0_Transformer/`` has modules.json and no top-level config.json: asked for config.json alone, its cached copy
    was told to `hf download` again."""
    from huggingface_hub import constants, try_to_load_from_cache
    from huggingface_hub.file_download import repo_folder_name

    cache = Path(constants.HF_HUB_CACHE) if cache_dir is None else cache_dir
    recorded_absent = 0
    for filename in filenames:
        try:
            found = try_to_load_from_cache(repo_id, filename, cache_dir=cache)
        except ValueError:  # not a valid repo id (HFValidationError): nothing of that name can be cached
            return None
        if isinstance(found, str):
            return Path(found)
        if found is not None:
            recorded_absent += 1
        elif not (cache / repo_folder_name(repo_id=repo_id, repo_type="model")).is_dir():
            return None  # nothing of the repo is cached: no other file of it can be
    return False if filenames and recorded_absent == len(filenames) else None


def looks_like_a_path(name: str) -> bool:
    """A name no Hub repo id can be (``/abs``, ``./rel``, ``~/x``, ``a/b/c``): it was meant as a folder."""
    return name.startswith(("/", ".", "~")) or "\\" in name or name.count("/") > 1


def hub_id_problem(name: str) -> str | None:
    """Why huggingface_hub refuses ``name`` as a repo id (``Cannot have -- or .. in repo_id``), without the name it
    repeats, else None. Asked before any lookup: a name that can never be downloaded (``org/a--b``, ``org/a.git``)
    was told to `hf download` itself offline, and a model folder of that name reported a bare HFValidationError."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(name)
    except HFValidationError as err:
        return str(err).splitlines()[0].removesuffix(f": {name!r}.")
    return None


def mistyped_folder_hint(name: str) -> str:
    """``"; runs/ is a folder here, so runs/sss may be a mistyped folder"`` where the owner of the Hub id ``name`` is
    a folder here, else ``""``: ``runs/sss`` typed for ``runs/ss`` reads as a Hub id, and the failed lookup alone
    never named the folder."""
    owner = name.split("/")[0]
    return f"; {owner}/ is a folder here, so {name} may be a mistyped folder" if expand_user(owner).is_dir() else ""


def sibling_folder_hint(name: str) -> str:
    """``" (did you mean 'runs/ss'?)"`` for a folder ``name`` (``runs/sss``) that is not there, naming the folder
    beside it it most likely meant as ``name`` is spelled, else ``""``. A Windows path pasted here (``runs\\demo\\bgs``
    on Linux) is read with its backslashes as slashes: it was refused as missing beside the folder it names. A
    trailing slash (``runs\\demo\\bgz\\``, as a shell completes a folder) names the same folder: it gave no hint."""
    name = name.replace("\\", "/") if os.sep == "/" else name
    name = name.rstrip("/") or name
    parent, _, leaf = name.rpartition("/")
    where = expand_user(parent or ".")
    try:
        folders = sorted(p.name for p in where.iterdir() if p.is_dir()) if where.is_dir() else []
    except OSError:  # a folder it may not list: no suggestion, the refusal itself still said
        folders = []
    hint = did_you_mean(leaf, folders)
    if hint and parent:
        hint = did_you_mean(name, [f"{parent}/{folder}" for folder in folders])
    return hint


def folder_typo_hint(name: str) -> str:
    """For a name taken for a Hub id because no folder has it: the folder beside it it most likely meant
    (:func:`sibling_folder_hint`: ``" (did you mean 'ss'?)"`` for ``sss``), else :func:`mistyped_folder_hint`'s line.
    ``bgs-hf data stats sss`` was told only that no Hub dataset 'sss' was cached."""
    return sibling_folder_hint(name) or mistyped_folder_hint(name)
