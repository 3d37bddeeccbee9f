"""Plots people would rather look at than read (bare matplotlib Figures: no pyplot state, no backend switch)."""

from __future__ import annotations

from bgs_hf.viz.matrices import figure_suffixes, plot_similarity_matrices

__all__ = ["figure_suffixes", "plot_similarity_matrices"]
