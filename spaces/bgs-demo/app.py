"""Hugging Face Space: pretrained vs fine-tuned similarities of video clips.

A thin launcher; the app lives in ``bgs_hf.hub.space_app``. The model comes from ``bgs_space.json``
(written by ``bgs-hf space --push``) or the ``BGS_MODEL`` environment variable.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from bgs_hf.hub.space_app import SpaceConfig, launch

HERE = Path(__file__).resolve().parent


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings_file = HERE / "bgs_space.json"
    settings = json.loads(settings_file.read_text()) if settings_file.is_file() else {}
    if os.environ.get("BGS_MODEL"):
        settings["model"] = os.environ["BGS_MODEL"]
    launch(
        SpaceConfig.from_settings(settings),
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
    )


if __name__ == "__main__":
    main()
