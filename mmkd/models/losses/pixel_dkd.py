"""DKD on segmentation logits, with per-pixel targets read from the data samples.

DKD splits the KD signal around the ground-truth class, so it needs labels.
For dense prediction every logit position is one sample: the ground-truth
map of each mmseg ``SegDataSample`` is resized (nearest) to the logits'
size, ignored pixels are dropped, and :func:`dkd_loss` runs on the rest.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from mmkd.registry import MODELS
from .dkd import DKDLoss, dkd_loss
from .utils import check_pair


def pixel_targets(data_samples: Sequence, size: Sequence[int]) -> Tensor:
    """``(N, H, W)`` long labels from ``data_samples[i].gt_sem_seg``, resized to ``size``."""
    if not data_samples or not hasattr(data_samples[0], 'gt_sem_seg'):
        raise ValueError('PixelDKDLoss reads gt_sem_seg from the data samples; '
                         'they have none (is this a segmentation data pipeline?)')
    labels = torch.stack([s.gt_sem_seg.data for s in data_samples]).float()  # (N, 1, H, W)
    return F.interpolate(labels, size=tuple(size), mode='nearest')[:, 0].long()


@MODELS.register_module()
class PixelDKDLoss(DKDLoss):
    """DKD over all labelled pixels; same hyper-parameters as :class:`DKDLoss`.

    Reduction: averaged over labelled pixels (each pixel is a batch row).
    """

    def __init__(self, alpha: float = 1.0, beta: float = 2.0, tau: float = 1.0,
                 loss_weight: float = 1.0, ignore_index: int = 255) -> None:
        super().__init__(alpha, beta, tau, loss_weight)
        self.ignore_index = ignore_index

    def forward(self, preds_S: Tensor, preds_T: Tensor, data_samples: Sequence) -> Tensor:  # type: ignore[override]
        check_pair('PixelDKD', preds_S, preds_T, ndim=4)
        labels = pixel_targets(data_samples, preds_S.shape[2:]).to(preds_S.device).flatten()
        num_classes = preds_S.shape[1]
        keep = (labels != self.ignore_index) & (labels >= 0) & (labels < num_classes)
        if not keep.any():
            return preds_S.sum() * 0.0
        flat_s = preds_S.permute(0, 2, 3, 1).reshape(-1, num_classes)[keep]
        flat_t = preds_T.permute(0, 2, 3, 1).reshape(-1, num_classes)[keep]
        return self.loss_weight * dkd_loss(flat_s, flat_t, labels[keep], self.alpha, self.beta, self.tau)
