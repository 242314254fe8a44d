"""Channel-wise distillation for dense prediction.

Shu et al., "Channel-wise Knowledge Distillation for Dense Prediction",
ICCV 2021; same reduction as mmrazor's ``ChannelWiseDivergence``.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def cwd_loss(preds_S: Tensor, preds_T: Tensor, tau: float = 1.0) -> Tensor:
    """``tau^2 / (N * C) * sum_{n,c} KL(phi(F_T)_{n,c} || phi(F_S)_{n,c})``, float32.

    ``phi`` is a softmax over the ``H * W`` positions of each channel at
    temperature ``tau``; inputs are ``(N, C, H, W)``.
    """
    check_pair('CWD', preds_S, preds_T, ndim=4)
    n, c = preds_S.shape[:2]
    log_p_s = F.log_softmax(preds_S.float().flatten(2) / tau, dim=2)
    log_p_t = F.log_softmax(preds_T.float().flatten(2) / tau, dim=2)
    kl = F.kl_div(log_p_s, log_p_t, reduction='sum', log_target=True)
    return kl * tau**2 / (n * c)


@MODELS.register_module()
class ChannelWiseDivergence(nn.Module):
    """CWD: each channel's spatial softmax of the student matches the teacher's.

    Reduction (mmrazor's): KL summed over the ``H * W`` positions, averaged over
    the ``N * C`` channel maps, times ``tau^2``. Features must have the same
    shape; align channels with a connector (the paper's 1x1 conv).
    """

    def __init__(self, tau: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.tau = tau
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * cwd_loss(preds_S, preds_T, self.tau)
