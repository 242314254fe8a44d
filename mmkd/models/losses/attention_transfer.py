"""Attention transfer: match where the student and the teacher put their activation energy.

Zagoruyko & Komodakis, "Paying More Attention to Attention: Improving the
Performance of Convolutional Neural Networks via Attention Transfer",
ICLR 2017. The attention map of a feature ``F (N, C, H, W)`` is
``a(F) = normalize(mean_c F^p)`` over the ``H*W`` positions (L2 per sample),
so the loss compares spatial patterns only and needs no adapter between
widths: ``L = mean_{n, i} (a(F_S)_{n,i} - a(F_T)_{n,i})^2``.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def attention_map(feat: Tensor, p: float = 2.0) -> Tensor:
    """``(N, H*W)`` L2-normalised ``mean_c |F|^p`` (computed in float32)."""
    return F.normalize(feat.float().abs().pow(p).mean(dim=1).flatten(1), dim=1)


def attention_transfer_loss(preds_S: Tensor, preds_T: Tensor, p: float = 2.0) -> Tensor:
    """Mean squared difference of the attention maps; channels may differ, N, H, W may not."""
    check_pair('AttentionTransfer', preds_S, preds_T, ndim=4, same_shape=False)
    if preds_S.shape[0] != preds_T.shape[0] or preds_S.shape[2:] != preds_T.shape[2:]:
        raise ValueError(f'AttentionTransfer expects preds_S and preds_T with the same N, H, W, '
                         f'got {tuple(preds_S.shape)} and {tuple(preds_T.shape)}')
    return (attention_map(preds_S, p) - attention_map(preds_T, p)).pow(2).mean()


@MODELS.register_module()
class AttentionTransferLoss(nn.Module):
    """``loss_weight * attention_transfer_loss(preds_S, preds_T, p)``.

    Reduction: mean over samples and positions (the common implementation);
    the paper's ``beta / 2`` scale is ``loss_weight``, often 1e3 with this
    reduction.
    """

    def __init__(self, p: float = 2.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        if p <= 0:
            raise ValueError(f'AttentionTransferLoss: p must be positive, got {p}')
        self.p = p
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * attention_transfer_loss(preds_S, preds_T, self.p)
