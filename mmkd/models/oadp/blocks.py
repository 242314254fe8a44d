"""OAKE's block layout: overlapping square blocks over the image, plus the whole image.

Block distillation asks the student's features of a block region to match the
CLIP embedding of that block, so the teacher's knowledge covers every part of
the image, including objects no proposal found. OADP uses 224 px blocks with a
stride of at most 112 px and puts the whole image first as block 0.
"""
from __future__ import annotations

import math
from typing import List, Sequence

import torch
from torch import Tensor


def _starts(length: float, block: float, max_stride: float) -> List[float]:
    if length <= block:
        return [0.0]
    count = math.ceil((length - block) / max_stride) + 1
    return [i * (length - block) / (count - 1) for i in range(count)]


def sliding_block_boxes(image_size: Sequence[int], block_size: float = 224, max_stride: float = 112,
                        include_image: bool = True) -> Tensor:
    """``(M, 4)`` boxes (x1, y1, x2, y2) of the blocks of a ``(height, width)`` image.

    Along each axis the blocks are evenly spaced, the first at 0 and the last
    ending at the image border, with the fewest positions whose stride is at
    most ``max_stride``; an axis shorter than ``block_size`` gets one block
    spanning it. ``include_image`` puts the whole image first (block 0).
    """
    if len(image_size) != 2 or min(image_size) <= 0:
        raise ValueError(f'sliding_block_boxes expects image_size=(height, width) > 0, got {image_size}')
    if block_size <= 0 or not 0 < max_stride <= block_size:
        raise ValueError('sliding_block_boxes expects block_size > 0 and 0 < max_stride <= block_size, got '
                         f'block_size={block_size}, max_stride={max_stride}')
    height, width = float(image_size[0]), float(image_size[1])
    bw, bh = min(block_size, width), min(block_size, height)
    boxes = [[x, y, x + bw, y + bh] for y in _starts(height, block_size, max_stride)
             for x in _starts(width, block_size, max_stride)]
    if include_image:
        boxes.insert(0, [0.0, 0.0, width, height])
    return torch.tensor(boxes, dtype=torch.float32)
