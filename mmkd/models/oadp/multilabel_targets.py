"""Multi-label targets of OADP's block and global levels, from the ground-truth boxes.

The block and global heads learn, beside the CLIP embedding, which
categories a region contains (an asymmetric multi-label loss). OADP takes
the teacher's top-k categories as the labels; mmkd labels a region with the
classes of the training GT boxes that lie in it, which needs no extra teacher
pass and is exact on the base categories (the training annotation has no
novel boxes, so novel columns are left out of the loss, see the distiller).
"""
from __future__ import annotations

import torch
from torch import Tensor


def region_multilabels(regions: Tensor, gt_boxes: Tensor, gt_labels: Tensor, num_classes: int,
                       inside_thr: float = 0.5) -> Tensor:
    """``(M, num_classes)`` float 0/1: class ``c`` is on for region ``m`` when a GT box of class ``c``
    has at least ``inside_thr`` of its area inside the region.

    A fraction of the GT box's own area (not IoU), so a small object in a big
    block counts, and an object cut in half by the block border counts at 0.5.
    Boxes are ``(x1, y1, x2, y2)`` in the same frame.
    """
    if not 0 < inside_thr <= 1:
        raise ValueError(f'region_multilabels: inside_thr must be in (0, 1], got {inside_thr}')
    targets = regions.new_zeros(len(regions), num_classes)
    if len(gt_boxes) == 0 or len(regions) == 0:
        return targets
    if gt_labels.numel() and (int(gt_labels.min()) < 0 or int(gt_labels.max()) >= num_classes):
        raise ValueError(f'region_multilabels: GT labels {sorted(set(gt_labels.tolist()))} outside [0, {num_classes})')
    lt = torch.maximum(regions[:, None, :2], gt_boxes[None, :, :2])
    rb = torch.minimum(regions[:, None, 2:], gt_boxes[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)  # (M, G)
    area = (gt_boxes[:, 2:] - gt_boxes[:, :2]).clamp(min=0).prod(-1)
    inside = inter >= inside_thr * area.clamp(min=1e-6)[None]
    targets.index_put_((torch.nonzero(inside)[:, 0], gt_labels.long()[torch.nonzero(inside)[:, 1]]),
                       torch.ones(int(inside.sum()), device=regions.device, dtype=regions.dtype))
    return targets
