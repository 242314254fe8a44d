"""Hinton knowledge distillation on logits.

Hinton, Vinyals, Dean, "Distilling the Knowledge in a Neural Network", 2015.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def _to_rows(logits: Tensor) -> Tensor:
    """(N, C, *spatial) -> (N * prod(spatial), C): one row per prediction."""
    if logits.dim() == 2:
        return logits
    return logits.movedim(1, -1).reshape(-1, logits.shape[1])


def kd_loss(preds_S: Tensor, preds_T: Tensor, tau: float = 1.0) -> Tensor:
    """``tau^2 * KL(softmax(z_T / tau) || softmax(z_S / tau))``, batchmean, in float32.

    Logits are ``(N, C)`` or dense ``(N, C, *spatial)`` with classes on dim 1;
    dense logits are averaged over all ``N * prod(spatial)`` positions.
    """
    check_pair('KD', preds_S, preds_T, min_ndim=2)
    log_p_s = F.log_softmax(_to_rows(preds_S).float() / tau, dim=1)
    p_t = F.softmax(_to_rows(preds_T).float() / tau, dim=1)
    return F.kl_div(log_p_s, p_t, reduction='batchmean') * tau**2


@MODELS.register_module()
class KDLoss(nn.Module):
    """Hinton KD: ``loss_weight * tau^2 * KL(p_T || p_S)`` with temperature ``tau``.

    Reduction: KL summed over classes, averaged over predictions (``batchmean``,
    per pixel for dense logits); the ``tau^2`` factor keeps gradient magnitudes
    independent of the temperature, as in the paper. The ``(1 - alpha) * CE``
    term of the classic recipe is not part of this loss: the student's own task
    loss provides it, and ``loss_weight`` plays the role of ``alpha``.
    """

    def __init__(self, tau: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.tau = tau
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * kd_loss(preds_S, preds_T, self.tau)
