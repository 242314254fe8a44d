"""The MGD loss: summed squared error between generated and teacher features.

Yang et al., "Masked Generative Distillation", ECCV 2022; same reduction as
mmrazor's ``MGDLoss``. The masking and generation happen in
:class:`~mmkd.models.connectors.MGDConnector`, applied to the student.
"""
from __future__ import annotations

from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def mgd_loss(preds_S: Tensor, preds_T: Tensor, alpha_mgd: float = 2e-5) -> Tensor:
    """``alpha_mgd * sum((preds_S - preds_T)^2) / N`` in float32, ``N`` the batch size."""
    check_pair('MGD', preds_S, preds_T, min_ndim=2)
    diff = preds_S.float() - preds_T.float()
    return alpha_mgd * diff.pow(2).sum() / preds_S.shape[0]


@MODELS.register_module()
class MGDLoss(nn.Module):
    """MGD: ``loss_weight * alpha_mgd * sum((G(align(F_s) * M) - F_t)^2) / N``.

    ``preds_S`` is the output of an ``MGDConnector`` on the student feature;
    the sum runs over all elements and is divided by the batch size only.
    """

    def __init__(self, alpha_mgd: float = 2e-5, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.alpha_mgd = alpha_mgd
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * mgd_loss(preds_S, preds_T, self.alpha_mgd)
