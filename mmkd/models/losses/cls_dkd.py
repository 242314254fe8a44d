"""DKD for image classification, with the target classes read from the data samples.

:class:`~mmkd.models.losses.DKDLoss` takes the labels as a tensor argument;
in a distillation config the labels arrive as the batch's data samples
(``'data_samples'`` loss input), so this thin subclass extracts
``gt_label`` from each :class:`~mmkd.structures.ClsDataSample` and applies
the same :func:`dkd_loss`. (``PixelDKDLoss`` is the segmentation analogue.)
"""
from __future__ import annotations

from typing import Sequence

from torch import Tensor

from mmkd.registry import MODELS
from mmkd.structures import stack_gt_labels
from .dkd import DKDLoss, dkd_loss


@MODELS.register_module()
class ClsDKDLoss(DKDLoss):
    """DKD on ``(B, C)`` classification logits; same hyper-parameters as :class:`DKDLoss`."""

    def forward(self, preds_S: Tensor, preds_T: Tensor, data_samples: Sequence) -> Tensor:  # type: ignore[override]
        labels = stack_gt_labels(data_samples, preds_S.device, 'ClsDKDLoss')
        return self.loss_weight * dkd_loss(preds_S, preds_T, labels, self.alpha, self.beta, self.tau)
