"""`evaluate` wrapper of bgs-hf's odd-one-out accuracies (3-way and the paper's 2-way anchor test).

Load it offline from the installed package::

    >>> import evaluate
    >>> from bgs_hf.eval import ODD_ONE_OUT_METRIC_PATH
    >>> metric = evaluate.load(ODD_ONE_OUT_METRIC_PATH)
    >>> metric.compute(predictions=[[0.9, 0.5, 0.1]], references=[2])
    {'ooo_acc_3way': 1.0, 'ooo_acc_2way': 1.0, 'n_judgments': 1}

The numbers come from ``bgs_hf.metrics`` (the one definition); this file only adapts the interface.
"""

from __future__ import annotations

import datasets
import evaluate
import numpy as np

from bgs_hf.metrics.ooo import ooo_2way_from_sims, ooo_3way_from_sims
from bgs_hf.metrics.similarity import whole_numbers

_DESCRIPTION = """\
Odd-one-out accuracy of a model's similarities against human triplet judgments. For each triplet
(a, b, c) the prediction is the model's similarity of its three pairs in the order (ab, ac, bc), and the
reference is the position (0, 1 or 2) of the clip the human chose as the odd one out.
ooo_acc_3way: the kept pair is the model's strictly most similar pair (ties wrong; chance 1/3).
ooo_acc_2way: the paper's anchor test; each kept clip as anchor, the other kept clip must be more similar
to it than the odd clip; averaged over both anchors (ties wrong; chance 1/2).
"""

_KWARGS_DESCRIPTION = """\
Args:
    predictions: list of [sim_ab, sim_ac, sim_bc] floats per triplet (higher = more similar).
    references: list of ints, the odd-one-out position (0 = a, 1 = b, 2 = c).
Returns:
    ooo_acc_3way (float), ooo_acc_2way (float), n_judgments (int).
Examples:
    >>> import evaluate
    >>> from bgs_hf.eval import ODD_ONE_OUT_METRIC_PATH
    >>> metric = evaluate.load(ODD_ONE_OUT_METRIC_PATH)
    >>> metric.compute(predictions=[[0.9, 0.5, 0.1], [0.9, 0.2, 0.3]], references=[2, 0])
    {'ooo_acc_3way': 0.5, 'ooo_acc_2way': 0.75, 'n_judgments': 2}
"""

_CITATION = """\
@article{garcia2025bgs,
  title={Behavioral Geometric Supervision Aligns Video Foundation Models with Human Social Perception},
  author={Garcia, Kathy and Isik, Leyla},
  journal={arXiv preprint arXiv:2510.01502},
  year={2025}
}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class OddOneOut(evaluate.Metric):
    """3-way and 2-way odd-one-out accuracy from per-triplet pair similarities."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("float64"), length=3),
                    # float, checked below: an int64 feature truncated 1.7 to 1 before _compute saw it
                    "references": datasets.Value("float64"),
                }
            ),
        )

    def _compute(self, predictions, references):  # noqa: ANN001, ANN202 - evaluate's signature
        sims = np.asarray(predictions, dtype=np.float64).reshape(-1, 3)
        odd = whole_numbers(references, "references")
        if not len(odd):
            return {"ooo_acc_3way": float("nan"), "ooo_acc_2way": float("nan"), "n_judgments": 0}
        return {
            "ooo_acc_3way": float(ooo_3way_from_sims(sims, odd).mean()),
            "ooo_acc_2way": float(ooo_2way_from_sims(sims, odd).mean()),
            "n_judgments": int(len(odd)),
        }
