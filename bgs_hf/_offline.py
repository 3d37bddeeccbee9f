"""Whether the Hugging Face Hub can be reached, and which names can only be folders: the checks every model name
(backbones, the caption baseline's sentence model) goes through before a Hub lookup.

Kept apart from :mod:`bgs_hf.models.registry` so a command can refuse a bad sentence model at once: importing the
registry imports torch, transformers and peft (about 3-6 s on a small machine) before the check could run.
"""

from __future__ import annotations

import socket
from urllib.parse import urlparse
from urllib.request import getproxies


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
