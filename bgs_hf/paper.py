"""The paper bgs-hf implements, and where the Hub card templates live: one place for cards and reports."""

from __future__ import annotations

from pathlib import Path

PAPER_URL = "https://arxiv.org/abs/2510.01502"
#: The authors' public release of the human judgments (no licence stated; the videos are not in it).
RELEASE_URL = "https://github.com/garciakathy/similarity-judgments-finetuning"
CITATION = """@article{garcia2025bgs,
  title   = {Behavioral Geometric Supervision Aligns Video Foundation Models with Human Social Perception},
  author  = {Garcia, Kathy and Isik, Leyla},
  journal = {arXiv preprint arXiv:2510.01502},
  year    = {2025},
  url     = {https://arxiv.org/abs/2510.01502}
}"""


def bundled_folder(name: str, repo_folder: str) -> Path:
    """A top-level folder of the repository, or its copy ``bgs_hf/_bundled/<name>`` in an installed wheel
    (setup.py makes it; editable installs and checkouts have the repository's own folder)."""
    package = Path(__file__).resolve().parent
    packaged = package / "_bundled" / name
    return packaged if packaged.is_dir() else package.parent / repo_folder


#: Jinja templates of the model and dataset cards (top-level ``hub_cards/`` of the repository).
HUB_CARDS_DIR = bundled_folder("hub_cards", "hub_cards")
