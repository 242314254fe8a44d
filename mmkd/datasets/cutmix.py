"""CutMix box masks for mixing two unlabeled batches (French et al., BMVC 2020).

Semi-supervised segmentation (CutMix-Seg, CPS, MGD-SSSS) pastes boxes of one
unlabeled image into another, ``u_mix = u0 * (1 - m) + u1 * m``, and asks
the model's prediction on ``u_mix`` to match the same mix of its (or a
teacher's) predictions on ``u0`` and ``u1``. The mask follows the CPS /
MGD-SSSS box generator with their settings: ``num_boxes`` boxes, each
covering ``p / num_boxes`` of the image for ``p ~ U(area_range)``, with a
log-uniform aspect ratio, placed fully inside the image and toggled onto a
zero mask (so overlapping parts cancel). The total pasted area is thus at
most ``area_range[1]``, and exactly ``p`` summed when the boxes do not overlap.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor


def cutmix_boxes(num: int, height: int, width: int, num_boxes: int = 3,
                 area_range: Sequence[float] = (0.25, 0.5),
                 generator: Optional[torch.Generator] = None) -> Tensor:
    """Integer boxes ``(num, num_boxes, 4)`` as ``(y0, x0, y1, x1)``, end exclusive."""
    low, high = area_range
    if not 0 < low <= high <= 1:
        raise ValueError(f'cutmix_boxes: area_range must satisfy 0 < low <= high <= 1, got {area_range}')
    if num_boxes < 1:
        raise ValueError(f'cutmix_boxes: num_boxes must be >= 1, got {num_boxes}')
    props = low + (high - low) * torch.rand(num, num_boxes, generator=generator, dtype=torch.float64)
    # log-uniform aspect: y_prop in [p, 1], x_prop = p / y_prop, so y_prop * x_prop = p
    y_props = torch.exp(torch.rand(num, num_boxes, generator=generator, dtype=torch.float64) * torch.log(props))
    x_props = props / y_props
    scale = math.sqrt(1.0 / num_boxes)  # each box covers p / num_boxes of the image
    shape = torch.tensor([height, width], dtype=torch.float64)
    sizes = torch.round(torch.stack([y_props * scale, x_props * scale], dim=2) * shape)
    starts = torch.round((shape - sizes) * torch.rand(num, num_boxes, 2, generator=generator, dtype=torch.float64))
    return torch.cat([starts, starts + sizes], dim=2).long()


def boxes_to_masks(boxes: Tensor, height: int, width: int) -> Tensor:
    """Float masks ``(num, 1, height, width)``: each box toggles its pixels (0 <-> 1)."""
    masks = torch.zeros(boxes.shape[0], 1, height, width)
    for mask, image_boxes in zip(masks, boxes.tolist()):
        for y0, x0, y1, x1 in image_boxes:
            mask[0, y0:y1, x0:x1] = 1 - mask[0, y0:y1, x0:x1]
    return masks


def cutmix_box_masks(num: int, height: int, width: int, num_boxes: int = 3,
                     area_range: Sequence[float] = (0.25, 0.5),
                     generator: Optional[torch.Generator] = None) -> Tuple[Tensor, Tensor]:
    """``(masks (num, 1, H, W) in {0, 1}, boxes (num, num_boxes, 4))``; 1 = take the second image."""
    boxes = cutmix_boxes(num, height, width, num_boxes, area_range, generator)
    return boxes_to_masks(boxes, height, width), boxes
