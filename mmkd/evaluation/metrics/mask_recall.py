"""Mask recall: the share of ground-truth instances that some predicted mask recovers.

Segment-everything output has no classes and no one-to-one prompts, so it is
scored like a proposal set: a ground-truth mask counts as found when any
predicted mask overlaps it with IoU >= ``iou_thr`` (0.5 in the TinySAM
comparison of hierarchical and dense everything).
"""
from __future__ import annotations

import numpy as np
import torch


def mask_iou_matrix(pred_masks, gt_masks) -> torch.Tensor:
    """IoU of every ground-truth mask ``(G, H, W)`` with every predicted mask ``(P, H, W)``, shape ``(G, P)``."""
    pred = torch.as_tensor(np.asarray(pred_masks) if not isinstance(pred_masks, torch.Tensor) else pred_masks)
    gt = torch.as_tensor(np.asarray(gt_masks) if not isinstance(gt_masks, torch.Tensor) else gt_masks)
    if pred.ndim != 3 or gt.ndim != 3 or pred.shape[1:] != gt.shape[1:]:
        raise ValueError(f'mask_iou_matrix expects pred (P, H, W) and gt (G, H, W) of one image size, got '
                         f'{tuple(pred.shape)} and {tuple(gt.shape)}')
    pred = pred.bool().flatten(1).double()
    gt = gt.bool().flatten(1).double()
    inter = gt @ pred.T
    union = gt.sum(1, keepdim=True) + pred.sum(1)[None] - inter
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))


def mask_recall(pred_masks, gt_masks, iou_thr: float = 0.5) -> float:
    """Fraction of ground-truth masks with a predicted mask of IoU >= ``iou_thr``; ``nan`` without GT.

    Arrays or tensors, ``(P, H, W)`` and ``(G, H, W)``, or lists of ``(H, W)``
    masks (``[r['segmentation'] for r in generator.generate(image)]``); a
    prediction may match several ground-truth masks (recall of a proposal set, not AP).
    """
    if isinstance(gt_masks, (list, tuple)):
        if not gt_masks:
            return float('nan')
        gt_masks = np.stack([np.asarray(m) for m in gt_masks])
    if isinstance(pred_masks, (list, tuple)):
        if not pred_masks:
            return 0.0
        pred_masks = np.stack([np.asarray(m) for m in pred_masks])
    ious = mask_iou_matrix(pred_masks, gt_masks)
    if ious.shape[0] == 0:
        return float('nan')
    if ious.shape[1] == 0:
        return 0.0
    return float((ious.max(dim=1).values >= iou_thr).double().mean())
