"""The paper bgs-hf implements, and where the Hub card templates live: one place for cards and reports."""

from __future__ import annotations

from pathlib import Path

PAPER_URL = "https://arxiv.org/abs/2510.01502"
CITATION = """@article{garcia2025bgs,
  title   = {Behavioral Geometric Supervision Aligns Video Foundation Models with Human Social Perception},
  author  = {Garcia, Kathy and Isik, Leyla},
  journal = {arXiv preprint arXiv:2510.01502},
  year    = {2025},
  url     = {https://arxiv.org/abs/2510.01502}
}"""

#: Jinja templates of the model and dataset cards (top-level ``hub_cards/`` of the repository).
HUB_CARDS_DIR = Path(__file__).resolve().parents[1] / "hub_cards"
