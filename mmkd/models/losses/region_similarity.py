"""Region-level content-aware loss: match the cosine-similarity matrices of pooled regions.

Qin et al., "Multi-Granularity Distillation Scheme Towards Lightweight
Semi-Supervised Semantic Segmentation", ECCV 2022: the decoder features of
each model are average-pooled to a ``7 x 7`` grid of regions; the ``49 x 49``
matrix of cosine similarities between regions describes how the image's
content relates across regions. The student matches the teacher's matrix,
which is independent of the channel count, so no adapter is needed.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def cosine_similarity_matrix(feats: Tensor, eps: float = 1e-8) -> Tensor:
    """``(N, C, P)`` -> ``(N, P, P)`` cosine similarities between the P columns.

    Norms are clamped to ``eps`` so an all-zero region (possible after ReLU)
    gives similarity 0 rather than NaN. Computed in fp32 with autocast off:
    a bf16 matmul would round away the differences the loss measures.
    """
    if feats.dim() != 3:
        raise ValueError(f'cosine_similarity_matrix expects (N, C, P) features, got shape {tuple(feats.shape)}')
    feats = feats.float()
    with torch.autocast(device_type=feats.device.type, enabled=False):
        unit = feats / feats.norm(p=2, dim=1, keepdim=True).clamp_min(eps)
        return unit.transpose(1, 2) @ unit


def region_similarity_loss(preds_S: Tensor, preds_T: Tensor, pool_size: int = 7) -> Tensor:
    """``mean (Sim(q_S) - Sim(q_T))^2`` with ``q = flatten(AdaptiveAvgPool(pool_size)(F))``.

    Features ``(N, C, H, W)``; the channel counts and spatial sizes of student
    and teacher may differ.
    """
    check_pair('RegionSimilarity', preds_S, preds_T, ndim=4, same_shape=False)
    if preds_S.shape[0] != preds_T.shape[0]:
        raise ValueError(f'RegionSimilarity expects the same batch size, got {tuple(preds_S.shape)} '
                         f'and {tuple(preds_T.shape)}')
    sim_S = cosine_similarity_matrix(F.adaptive_avg_pool2d(preds_S.float(), pool_size).flatten(2))
    sim_T = cosine_similarity_matrix(F.adaptive_avg_pool2d(preds_T.detach().float(), pool_size).flatten(2))
    return F.mse_loss(sim_S, sim_T)


@MODELS.register_module()
class RegionSimilarityLoss(nn.Module):
    """``loss_weight * MSE(Sim_S, Sim_T)`` over ``pool_size^2`` regions (MGD-SSSS: 7, lambda_2 = 100)."""

    compared_dims = (0,)  # only the batch; channels and sizes may differ

    def __init__(self, pool_size: int = 7, loss_weight: float = 100.0) -> None:
        super().__init__()
        self.pool_size = pool_size
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * region_similarity_loss(preds_S, preds_T, self.pool_size)
