"""Proposals for OAKE without a proposal network: base GT boxes plus jittered copies (the default).

OADP embeds the proposals of a class-agnostic proposal network (OLN) trained
on base categories, so the object level also covers objects of novel
categories that such a network finds. This stand-in uses the base boxes of
the open-vocabulary training annotation and ``num_jitter`` randomly shifted
and rescaled copies of each (the imperfect boxes a proposal network gives),
which covers the base objects only: novel knowledge then reaches the student
through the block and global levels. The draw is a fixed function of
``seed`` and the image id, so an interrupted extraction that is resumed, or
run again, produces the same proposals. The proposal-network source is the
RPN of a trained base-only detector (:mod:`mmkd.models.oadp.rpn_proposals`).
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import Tensor

from .proposal_transform import _check_boxes, valid_proposals


def jitter_boxes(boxes: Tensor, amount: float, generator: Optional[torch.Generator] = None) -> Tensor:
    """Move each ``(N, 4)`` box's centre by up to ``amount`` times its width / height and
    scale its width and height by ``exp(u)``, ``u`` uniform in ``[-amount, amount]``
    (independently per coordinate)."""
    _check_boxes('jitter_boxes', boxes)
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


def gt_jitter_proposals(gt_boxes: Tensor, image_size: Sequence[int], num_jitter: int = 4, amount: float = 0.15,
                        seed: int = 0, sample_index: int = 0, min_size: float = 4.0) -> Tensor:
    """``(N, 4)`` proposals: the GT boxes first, then ``num_jitter`` jittered copies of each.

    Copies are clipped to the ``(height, width)`` image; boxes (GT or copies)
    narrower or lower than ``min_size`` pixels are dropped, as OADP drops
    small proposals. ``seed`` and ``sample_index`` (the image id) fix the draw.
    """
    _check_boxes('gt_jitter_proposals', gt_boxes)
    if num_jitter < 0:
        raise ValueError(f'gt_jitter_proposals: num_jitter must be >= 0, got {num_jitter}')
    gt_boxes = gt_boxes.float().cpu()
    generator = torch.Generator().manual_seed(int(seed) * 1_000_003 + int(sample_index))
    copies = jitter_boxes(gt_boxes.repeat(num_jitter, 1), amount, generator) if num_jitter else gt_boxes[:0]
    height, width = float(image_size[0]), float(image_size[1])
    limit = torch.tensor([width, height, width, height])
    copies = torch.minimum(copies.clamp(min=0), limit)
    proposals = torch.cat([gt_boxes, copies])
    return proposals[valid_proposals(proposals, min_size)]
