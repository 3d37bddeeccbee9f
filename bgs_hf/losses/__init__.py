"""BGS losses, sentence-transformers style (one file each; ``get_config_dict()`` feeds the model card).

All losses work on a batch of UNIQUE clip embeddings, which is what clip-batched training feeds:

====================  ===============  ====================================================================
input                 shape / dtype    meaning
====================  ===============  ====================================================================
``emb``               (M, D) float     L2-normalised embeddings of the M unique clips of the step
``triplets``          (n, 3) int64     local row indices into ``emb`` (positions 0, 1, 2 of the triplet)
``odd``               (n,) int64       position (0/1/2) of the human odd-one-out
``odd_probs``         (n, 3) float     optional soft targets (fraction of judges choosing each position)
``pairs``             (P, 2) int64     local indices of observed clip pairs (i < j)
``human_dist``        (P,) float       human distance 1 - p_ij for those pairs
====================  ===============  ====================================================================

Classes (the four losses are ``torch.nn.Module``; ``forward`` returns a scalar tensor unless said otherwise;
``PaperSchedule`` is a dataclass called with the epoch)::

    TripletMarginLoss(margin=0.2, symmetric=False)(emb, triplets, odd)  # paper's local term
    OddOneOutLoss(temperature=0.1)(emb, triplets, odd=None, odd_probs=None)
    RSALoss(method="pearson"|"soft_spearman", regularization_strength=0.1)(emb, pairs, human_dist)
    BGSLoss(local=TripletMarginLoss(), global_=RSALoss(), schedule=PaperSchedule())
        (emb, triplets, odd, pairs, human_dist, *, epoch=0, odd_probs=None) -> BGSLossOutput
    PaperSchedule(alpha=0.7, beta0=0.3, beta_step=0.1, beta_max=0.7)(epoch) -> (alpha, beta)

``BGSLossOutput`` (dataclass): ``loss`` (scalar tensor to backprop), ``local``, ``global_``
(detached scalar tensors, NaN when the term had no inputs or was undefined), ``alpha``, ``beta`` (floats),
``n_triplets``, ``n_pairs`` (ints); ``.to_log_dict() -> dict[str, float | int]`` for logging (the counts stay ints).
``loss.get_config_dict()`` describes a loss for the model card (with descriptive keys such as ``name`` and
``distance``, so it is not constructor kwargs); ``Cls.from_config_dict(cfg)`` or ``loss_from_config(cfg)``
rebuilds the loss from it. A loss's ``name`` (a term's, or BGSLoss's own) is its own class's: a subclass (another
forward) is neither recorded as ours nor rebuilt into ours (a term subclass's own ``from_config_dict`` rebuilds it
from its record), and a BGSLoss subclass's record has no ``formula``.
Empty inputs (no triplet / fewer than 3 pairs in the step) contribute 0 to ``loss`` (with a
graph connected to ``emb``) instead of NaN. Distance everywhere is D = 1 - cosine; an all-zero row has no direction:
it reads as cosine 0 with every row and gets no gradient (dividing it by F.normalize's eps gave it 1e12 times the
loss's, which set a clipped step's whole direction), and neither does a row of norm at or below that eps (1e-12).
Embeddings holding NaN or inf give a NaN loss; where no gradient is taken (``torch.no_grad``, or embeddings without
``requires_grad``) a warning names their rows, once per tensor (a training step is not read: a device sync).
"""

from __future__ import annotations

from bgs_hf.losses.bgs import BGSLoss, BGSLossOutput, PaperSchedule, loss_from_config
from bgs_hf.losses.odd_one_out import OddOneOutLoss
from bgs_hf.losses.rsa import RSALoss
from bgs_hf.losses.triplet import TripletMarginLoss

__all__ = ["BGSLoss", "BGSLossOutput", "OddOneOutLoss", "PaperSchedule", "RSALoss", "TripletMarginLoss",
           "loss_from_config"]
