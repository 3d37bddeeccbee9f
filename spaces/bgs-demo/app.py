"""Hugging Face Space: pretrained vs fine-tuned similarities of video clips.

A thin launcher; the app lives in ``bgs_hf.hub.space_app``. The model comes from ``bgs_space.json``
(written by ``bgs-hf space --push``) or the ``BGS_MODEL`` environment variable.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from bgs_hf.errors import BGSInputError, environment_error
from bgs_hf.hub.space_app import SpaceConfig, launch

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Serve the Space. Bad settings (a mistyped ``BGS_MODEL``, a port that is no port, a bgs_space.json that is no
    JSON) and the environment's errors (a port already in use, a ``BGS_SPACE_CACHE`` that cannot be made) are one
    ``error:`` line and exit 2, as ``bgs-hf space`` says them: they were a traceback."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = _settings(HERE / "bgs_space.json")
        if os.environ.get("BGS_MODEL") and isinstance(settings, dict):  # from_settings refuses what is no object
            settings["model"] = os.environ["BGS_MODEL"]
        config = SpaceConfig.from_settings(settings)
        port = _port(os.environ.get("GRADIO_SERVER_PORT", "7860"))  # before the model loads, not after
        launch(config, server_name=_host(os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")), server_port=port)
    except BGSInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # gradio's "Cannot find empty port", an unwritable cache folder, a full disk
        print(f"error: {environment_error(err)}", file=sys.stderr)
        return 2
    return 0


def _settings(settings_file: Path) -> Any:
    """What ``bgs-hf space --push`` staged (``{}`` without the file)."""
    if not settings_file.is_file():
        return {}
    try:
        return json.loads(settings_file.read_text(encoding="utf-8"))
    except ValueError as err:  # not JSON, or not UTF-8 text
        raise BGSInputError(f"not valid JSON ({err})", path=settings_file) from None


def _host(text: str) -> str:
    """``GRADIO_SERVER_NAME`` as an interface. A blank one went to gradio, whose server then listened on every
    interface (a blank host is all of them to a socket) and whose launch failed on its own URL ``http://:7860/`` (an
    httpx traceback), where the README promises 127.0.0.1 unless the variable is set."""
    host = text.strip()
    if not host:
        raise BGSInputError(f"GRADIO_SERVER_NAME must name an interface (0.0.0.0 serves other machines too) or be "
                            f"unset (127.0.0.1), got {text!r}")
    return host


def _port(text: str) -> int:
    """``GRADIO_SERVER_PORT`` as a port number (gradio itself would poll a port of 0 and fail). Only ASCII digits:
    ``isdigit()`` passed ``"²"``, which ``int()`` refuses (a traceback)."""
    digits = text.strip()
    port = int(digits) if digits.isascii() and digits.isdigit() else 0
    if not 1 <= port <= 65535:
        raise BGSInputError(f"GRADIO_SERVER_PORT must be a port number from 1 to 65535, got {text!r}")
    return port


if __name__ == "__main__":
    status = main()
    if status:  # not on success: `python -i app.py` showed SystemExit(0) as a traceback above its prompt
        sys.exit(status)
