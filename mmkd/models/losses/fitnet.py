"""FitNet hint loss.

Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def fitnet_loss(preds_S: Tensor, preds_T: Tensor) -> Tensor:
    """Mean squared error between student and teacher features of equal shape."""
    check_pair('FitNet', preds_S, preds_T)
    return F.mse_loss(preds_S, preds_T)


@MODELS.register_module()
class FitNetLoss(nn.Module):
    """FitNet hint: ``loss_weight * mean((F_S - F_T)^2)``.

    Reduction: mean over every element. The paper's regressor (a 1x1 conv from
    student to teacher channels) is a connector (``ConvConnector``), not part of
    this loss.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * fitnet_loss(preds_S, preds_T)
