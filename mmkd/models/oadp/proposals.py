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

from typing import Sequence

import torch
from torch import Tensor

from mmkd.structures.boxes import check_boxes, jitter_boxes, valid_proposals


def gt_jitter_proposals(gt_boxes: Tensor, image_size: Sequence[int], num_jitter: int = 4, amount: float = 0.15,
                        seed: int = 0, sample_index: int = 0, min_size: float = 4.0) -> Tensor:
    """``(N, 4)`` proposals: the GT boxes first, then ``num_jitter`` jittered copies of each.

    Copies are clipped to the ``(height, width)`` image; boxes (GT or copies)
    narrower or lower than ``min_size`` pixels are dropped, as OADP drops
    small proposals. ``seed`` and ``sample_index`` (the image id) fix the draw.
    """
    check_boxes('gt_jitter_proposals', gt_boxes)
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
