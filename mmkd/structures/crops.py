"""Crop image regions to CLIP's input size, and mark which crop pixels are background.

Regions are resampled with torchvision's ``roi_align`` (bilinear, several
samples per output pixel, so shrinking a large region averages rather than
aliases). Parts of a region outside the image read as zero, which on
CLIP-normalised images is the dataset mean colour: the padding of a square
proposal crop larger than the image.
"""
from __future__ import annotations

from typing import Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torchvision.ops import roi_align


def _size2(size: Union[int, Sequence[int]]) -> tuple:
    return (size, size) if isinstance(size, int) else tuple(size)


def crop_and_resize(image: Tensor, boxes: Tensor, out_size: Union[int, Sequence[int]]) -> Tensor:
    """``(N, C, h, w)`` crops of ``image`` (``(C, H, W)``) at ``boxes`` (``(N, 4)`` pixels, x1 y1 x2 y2).

    Coordinates are continuous (pixel ``i`` covers ``[i, i + 1)``), so the box
    ``(0, 0, W, H)`` is exactly the whole image.
    """
    if image.ndim != 3:
        raise ValueError(f'crop_and_resize expects one (C, H, W) image, got shape {tuple(image.shape)}')
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f'crop_and_resize expects (N, 4) boxes, got shape {tuple(boxes.shape)}')
    # roi_align replicates the border pixel for samples up to one pixel outside the image;
    # a one-pixel zero frame makes everything outside read as zero (bilinear towards 0 at the edge)
    padded = F.pad(image, (1, 1, 1, 1))
    rois = torch.cat([boxes.new_zeros(len(boxes), 1), boxes + 1], dim=1).to(image.dtype)
    return roi_align(padded[None], rois, output_size=_size2(out_size), spatial_scale=1.0, sampling_ratio=-1,
                     aligned=True)


def box_background_masks(regions: Tensor, boxes: Tensor, out_size: Union[int, Sequence[int]]) -> Tensor:
    """``(N, h, w)`` bool masks, ``True`` where a crop pixel of ``regions[i]`` lies outside ``boxes[i]``.

    Both are ``(N, 4)`` in image pixels; a crop pixel belongs to the box when
    its centre does.
    """
    if regions.shape != boxes.shape or regions.ndim != 2 or regions.shape[1] != 4:
        raise ValueError('box_background_masks expects regions and boxes of the same (N, 4) shape, got '
                         f'{tuple(regions.shape)} and {tuple(boxes.shape)}')
    h, w = _size2(out_size)
    regions, boxes = regions.float(), boxes.float()
    step = (regions[:, 2:] - regions[:, :2]) / regions.new_tensor([w, h])          # (N, 2) pixels per crop pixel
    xs = regions[:, :1] + (torch.arange(w, device=regions.device) + 0.5) * step[:, :1]  # (N, w)
    ys = regions[:, 1:2] + (torch.arange(h, device=regions.device) + 0.5) * step[:, 1:]  # (N, h)
    inside_x = (xs >= boxes[:, :1]) & (xs <= boxes[:, 2:3])
    inside_y = (ys >= boxes[:, 1:2]) & (ys <= boxes[:, 3:])
    return ~(inside_y[:, :, None] & inside_x[:, None, :])
