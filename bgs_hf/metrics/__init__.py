"""Human-side statistics and model metrics: the ONLY place they are defined (see docs/CONTRACTS.md).

All functions take plain numpy arrays (a duck-typed ``TripletArrays`` with ``.idx``/``.odd``/
``.participant``, or a judgments table, is accepted where triplets are expected), so they do not depend on the data
container; a torch tensor is read as its numbers (detached, on the CPU), and a list of tensors as their stack, so a
model's embeddings score as they come.
"""

from __future__ import annotations

from bgs_hf.metrics.bootstrap import (
    BootstrapResult,
    PairedBootstrapResult,
    bootstrap_ci,
    paired_bootstrap,
    pct_of_ceiling,
)
from bgs_hf.metrics.ceiling import (
    CeilingResult,
    LooCeilingResult,
    RepeatAgreement,
    loo_ceiling,
    repeat_agreement,
    spearman_brown,
    split_half_ceiling,
)
from bgs_hf.metrics.fit import behavioural_fit
from bgs_hf.metrics.ooo import (
    ooo_2way_from_sims,
    ooo_3way_from_sims,
    ooo_acc_2way,
    ooo_acc_2way_per_judgment,
    ooo_acc_3way,
    ooo_acc_3way_per_judgment,
    triplet_sims,
)
from bgs_hf.metrics.rsa import (
    cosine_similarity_matrix,
    pearson,
    r2,
    rsa_pearson,
    rsa_spearman,
    signed_square,
    spearman,
)
from bgs_hf.metrics.similarity import HumanSimilarity, human_similarity

__all__ = [
    "BootstrapResult",
    "CeilingResult",
    "HumanSimilarity",
    "LooCeilingResult",
    "PairedBootstrapResult",
    "RepeatAgreement",
    "behavioural_fit",
    "bootstrap_ci",
    "cosine_similarity_matrix",
    "human_similarity",
    "loo_ceiling",
    "ooo_2way_from_sims",
    "ooo_3way_from_sims",
    "ooo_acc_2way",
    "ooo_acc_2way_per_judgment",
    "ooo_acc_3way",
    "ooo_acc_3way_per_judgment",
    "paired_bootstrap",
    "pct_of_ceiling",
    "pearson",
    "r2",
    "repeat_agreement",
    "rsa_pearson",
    "rsa_spearman",
    "signed_square",
    "spearman",
    "spearman_brown",
    "split_half_ceiling",
    "triplet_sims",
]
