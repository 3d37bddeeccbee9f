"""Plots people would rather look at than read (matplotlib, headless Agg backend)."""

from __future__ import annotations

from bgs_hf.viz.matrices import FIGURE_SUFFIXES, plot_similarity_matrices

__all__ = ["FIGURE_SUFFIXES", "plot_similarity_matrices"]
