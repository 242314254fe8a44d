"""Box geometry on ``(N, 4)`` x1, y1, x2, y2 pixel boxes: checks, OAKE's adaptive
square, size filter and random jitter.

Low-level on purpose: the OADP teacher (``mmkd.models.oadp``) and the CLIP
image-text pairs (``mmkd.datasets.clip_pairs``) crop the same squares.

OAKE's adaptive proposal transform: CLIP sees whole images with their object near the centre and some context, so
a tight box crop is out of its training distribution. OADP crops, for a box of
area ``A``, a square of side ``sqrt(8 * A)`` centred on the box (for a square
box: side ``2 sqrt(2)`` times the box side), then moves the square inside the
image when it fits, so it shows image content rather than padding.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import Tensor


def check_boxes(name: str, boxes: Tensor) -> None:
    """Raise a ``ValueError`` naming ``name`` unless ``boxes`` is ``(N, 4)`` with x1 <= x2, y1 <= y2."""
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f'{name} expects (N, 4) boxes as x1, y1, x2, y2, got shape {tuple(boxes.shape)}')
    if bool((boxes[:, 2:] < boxes[:, :2]).any()):
        bad = int(((boxes[:, 2:] < boxes[:, :2]).any(1)).nonzero()[0])
        raise ValueError(f'{name}: box {bad} {boxes[bad].tolist()} has x2 < x1 or y2 < y1')


def adaptive_square_boxes(boxes: Tensor, image_size: Sequence[int], scale_ratio: float = 8.0) -> Tensor:
    """Squares ``(N, 4)`` (x1, y1, x2, y2) of side ``sqrt(scale_ratio * area)`` around ``boxes``.

    Args:
        boxes: ``(N, 4)`` proposals in pixels, x1, y1, x2, y2.
        image_size: ``(height, width)`` of the image.
        scale_ratio: the square's area over the box's (OADP's ``8``).

    Along each axis independently, a square that fits in the image is shifted
    by the least amount that puts it inside; one larger than the image stays
    centred on the box (the crop is then padded), as in OADP's ``_expand``.
    """
    check_boxes('adaptive_square_boxes', boxes)
    if len(image_size) != 2 or min(image_size) <= 0:
        raise ValueError(f'adaptive_square_boxes expects image_size=(height, width) > 0, got {image_size}')
    if scale_ratio <= 0:
        raise ValueError(f'adaptive_square_boxes expects scale_ratio > 0, got {scale_ratio}')
    boxes = boxes.float()
    wh = boxes[:, 2:] - boxes[:, :2]
    side = torch.sqrt(scale_ratio * wh[:, 0] * wh[:, 1])[:, None]       # (N, 1)
    center = (boxes[:, :2] + boxes[:, 2:]) / 2                          # (N, 2)
    lt, rb = center - side / 2, center + side / 2
    limit = boxes.new_tensor([image_size[1], image_size[0]])            # (width, height)
    shift = torch.where(lt < 0, -lt, torch.zeros_like(lt))
    shift = torch.where(rb > limit, limit - rb, shift)
    shift = torch.where(side <= limit, shift, torch.zeros_like(shift))
    return torch.cat([lt + shift, rb + shift], dim=1)


def valid_proposals(boxes: Tensor, min_size: float = 4.0) -> Tensor:
    """Boolean ``(N,)``: proposals at least ``min_size`` pixels wide and high (OADP keeps w, h >= 4)."""
    check_boxes('valid_proposals', boxes)
    wh = boxes[:, 2:] - boxes[:, :2]
    return (wh >= min_size).all(dim=1)


def jitter_boxes(boxes: Tensor, amount: float, generator: Optional[torch.Generator] = None) -> Tensor:
    """Move each ``(N, 4)`` box's centre by up to ``amount`` times its width / height and
    scale its width and height by ``exp(u)``, ``u`` uniform in ``[-amount, amount]``
    (independently per coordinate)."""
    check_boxes('jitter_boxes', boxes)
    if amount < 0:
        raise ValueError(f'jitter_boxes: amount must be >= 0, got {amount}')
    boxes = boxes.float()
    if amount == 0 or len(boxes) == 0:
        return boxes.clone()
    wh = boxes[:, 2:] - boxes[:, :2]
    center = (boxes[:, :2] + boxes[:, 2:]) / 2
    rand = torch.rand(len(boxes), 4, generator=generator) * 2 - 1
    center = center + rand[:, :2] * amount * wh
    wh = wh * torch.exp(rand[:, 2:] * amount)
    return torch.cat([center - wh / 2, center + wh / 2], dim=1)
