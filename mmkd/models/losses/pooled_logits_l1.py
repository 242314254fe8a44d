"""Image-level semantic-sensitive loss: L1 between spatially averaged logits.

Qin et al., "Multi-Granularity Distillation Scheme Towards Lightweight
Semi-Supervised Semantic Segmentation", ECCV 2022: global average pooling of
the segmentation logits gives an image-level class score vector; matching
the teacher's makes the student aware of which classes are present, beyond
per-pixel agreement.
"""
from __future__ import annotations

from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def pooled_logits_l1_loss(preds_S: Tensor, preds_T: Tensor) -> Tensor:
    """``sum_{n,k} |mean_hw S[n,k] - mean_hw T[n,k]|`` for logits ``(N, K, H, W)``.

    Sum, not mean, over images and classes, as in the paper's code (its
    weight, 1e-3, is calibrated for that). Logits of different spatial size
    are fine: only their spatial means are compared.
    """
    check_pair('PooledLogitsL1', preds_S, preds_T, min_ndim=3, same_shape=False)
    if preds_S.shape[:2] != preds_T.shape[:2]:
        raise ValueError(f'PooledLogitsL1 expects the same (N, K) for preds_S and preds_T, got '
                         f'{tuple(preds_S.shape)} and {tuple(preds_T.shape)}')
    pooled_S = preds_S.float().flatten(2).mean(2)
    pooled_T = preds_T.detach().float().flatten(2).mean(2)
    return (pooled_S - pooled_T).abs().sum()


@MODELS.register_module()
class PooledLogitsL1Loss(nn.Module):
    """``loss_weight * sum |GAP(S) - GAP(T)|`` (MGD-SSSS: lambda_1 = 1e-3, on the CutMix image)."""

    compared_dims = (0, 1)  # N and K; the spatial sizes may differ

    def __init__(self, loss_weight: float = 1e-3) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * pooled_logits_l1_loss(preds_S, preds_T)
