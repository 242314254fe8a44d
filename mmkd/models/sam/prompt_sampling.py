"""Prompts for SAM-style training: points inside masks, TinySAM's hard point sampling, boxes.

TinySAM (Shu et al., AAAI 2025, "hard prompt sampling"): the first points are
drawn inside the ground-truth mask; then, for ``k`` rounds with ``k`` drawn
uniformly from ``0..9``, the current model predicts a mask from the points so
far and new points are drawn from the part of the ground truth it misses
(``GT - prediction``). Later rounds therefore prompt the regions the model
finds hard. Points accumulate; a mask whose missed region is empty is done
(more points there would repeat the same prompt), its later slots are SAM's
padding points (label -1, "not a point").

Everything here is a pure function of tensors plus a ``torch.Generator``
(deterministic under a seed); the model enters only as the ``predict``
callable. It lives with the SAM models, not with the datasets: drawing
prompts is part of SAM's prompted training step (the data stay plain mmdet
instance masks). Coordinates are pixels ``(x, y)`` in the frame of the masks.
"""
from __future__ import annotations

from typing import Callable, Optional, Tuple

import torch
import torch.nn.functional as F
from segment_anything.utils.amg import batched_mask_to_box
from torch import Tensor

#: SAM's label for a padding point (``PromptEncoder`` embeds it as "not a point").
PAD_LABEL = -1

PredictFn = Callable[[Tensor, Tensor], Tensor]


def _check_masks(name: str, masks: Tensor) -> None:
    if masks.ndim != 3:
        raise ValueError(f'{name} expects masks of shape (N, H, W), got {tuple(masks.shape)}')


def sample_points_in_masks(masks: Tensor, num_points: int = 1,
                           generator: Optional[torch.Generator] = None) -> Tuple[Tensor, Tensor]:
    """``num_points`` pixels drawn uniformly without replacement inside each mask.

    Args:
        masks: ``(N, H, W)`` boolean (or 0/1) regions to sample from.
        num_points: points per mask.
        generator: a CPU ``torch.Generator`` for reproducible draws.

    Returns ``coords (N, num_points, 2)`` float ``(x, y)`` and ``labels
    (N, num_points)`` long: 1 for a sampled point, ``PAD_LABEL`` where a
    region has fewer pixels than ``num_points`` (those coords are 0).
    """
    _check_masks('sample_points_in_masks', masks)
    if num_points < 1:
        raise ValueError(f'sample_points_in_masks: num_points must be >= 1, got {num_points}')
    n, h, w = masks.shape
    region = masks.bool().flatten(1)
    # uniform random keys, minus 1 outside the region: the top-k keys are a
    # uniform random subset of the region's pixels (k = min(num_points, area))
    keys = torch.rand(n, h * w, generator=generator).to(masks.device)
    keys = torch.where(region, keys, torch.full_like(keys, -1.0))
    k = min(num_points, h * w)
    top_keys, flat_idx = keys.topk(k, dim=1)
    valid = top_keys >= 0
    coords = torch.stack([flat_idx % w, flat_idx // w], dim=-1).float() * valid.unsqueeze(-1)
    labels = torch.where(valid, torch.ones_like(flat_idx), torch.full_like(flat_idx, PAD_LABEL))
    if k < num_points:
        coords = torch.cat([coords, coords.new_zeros(n, num_points - k, 2)], dim=1)
        labels = torch.cat([labels, labels.new_full((n, num_points - k), PAD_LABEL)], dim=1)
    return coords, labels


def draw_num_rounds(max_rounds: int = 9, generator: Optional[torch.Generator] = None) -> int:
    """A number of hard-sampling rounds, uniform in ``0..max_rounds`` (TinySAM: ``0..9``)."""
    if max_rounds < 0:
        raise ValueError(f'draw_num_rounds: max_rounds must be >= 0, got {max_rounds}')
    return int(torch.randint(0, max_rounds + 1, (1,), generator=generator))


def sample_hard_point_prompts(gt_masks: Tensor, predict: PredictFn, num_rounds: int, points_per_round: int = 1,
                              initial_points: int = 1,
                              generator: Optional[torch.Generator] = None) -> Tuple[Tensor, Tensor, int]:
    """TinySAM's hard prompt sampling for ``N`` ground-truth masks at once.

    Args:
        gt_masks: ``(N, H, W)`` ground-truth masks; each must be non-empty.
        predict: ``predict(coords (N, P, 2), labels (N, P)) -> (N, H, W)``
            boolean masks of the current model (run it under ``no_grad``;
            TinySAM's paper implies the student).
        num_rounds: rounds of re-sampling (draw it with :func:`draw_num_rounds`).
        points_per_round: new points per mask and round.
        initial_points: points drawn inside the ground truth before round 1.
        generator: a CPU ``torch.Generator`` for reproducible draws.

    Returns ``(coords, labels, rounds_run)``: ``coords (N, P, 2)``, ``labels
    (N, P)`` with 1 for points and ``PAD_LABEL`` for the slots of masks that
    stopped early, and how many rounds added points. Sampling stops when every
    mask's missed region is empty; it never raises for that.
    """
    _check_masks('sample_hard_point_prompts', gt_masks)
    if num_rounds < 0 or points_per_round < 1 or initial_points < 1:
        raise ValueError('sample_hard_point_prompts: need num_rounds >= 0, points_per_round >= 1 and '
                         f'initial_points >= 1, got {num_rounds}, {points_per_round}, {initial_points}')
    gt = gt_masks.bool()
    empty = torch.nonzero(~gt.flatten(1).any(1)).flatten()
    if len(empty):
        raise ValueError(f'sample_hard_point_prompts: gt_masks {empty.tolist()} are empty; a point prompt '
                         'needs at least one foreground pixel (filter such instances out first)')
    coords, labels = sample_points_in_masks(gt, initial_points, generator)
    active = torch.ones(gt.shape[0], dtype=torch.bool, device=gt.device)
    rounds_run = 0
    for _ in range(num_rounds):
        pred = predict(coords, labels)
        if pred.shape != gt.shape:
            raise ValueError(f'sample_hard_point_prompts: predict returned shape {tuple(pred.shape)}, expected '
                             f'{tuple(gt.shape)} (one mask per prompt at the ground truth size)')
        missed = gt & ~pred.bool() & active[:, None, None]
        active = missed.flatten(1).any(1)
        if not active.any():
            break
        new_coords, new_labels = sample_points_in_masks(missed, points_per_round, generator)
        coords, labels = torch.cat([coords, new_coords], 1), torch.cat([labels, new_labels], 1)
        rounds_run += 1
    return coords, labels, rounds_run


def boxes_from_masks(masks: Tensor, jitter: float = 0.0, max_jitter: float = 20.0,
                     generator: Optional[torch.Generator] = None) -> Tensor:
    """Tight ``(x0, y0, x1, y1)`` boxes of ``(N, H, W)`` masks (segment_anything's
    ``batched_mask_to_box``: inclusive pixel indices, zeros for an empty mask), float.

    ``jitter > 0`` adds SAM's box noise: Gaussian per coordinate with standard
    deviation ``jitter`` times the box side, clipped to ``max_jitter`` pixels
    (SAM: 10 % and 20 px), then clipped to the image with ``x0 <= x1``.
    """
    _check_masks('boxes_from_masks', masks)
    boxes = batched_mask_to_box(masks.bool()).float()
    if jitter <= 0:
        return boxes
    h, w = masks.shape[-2:]
    side = torch.stack([boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]] * 2, dim=1)
    noise = torch.randn(boxes.shape, generator=generator).to(boxes.device) * jitter * side
    boxes = boxes + noise.clamp(-max_jitter, max_jitter)
    limit = boxes.new_tensor([w - 1, h - 1, w - 1, h - 1])
    boxes = torch.minimum(boxes.clamp(min=0), limit)
    x0, x1 = torch.minimum(boxes[:, 0], boxes[:, 2]), torch.maximum(boxes[:, 0], boxes[:, 2])
    y0, y1 = torch.minimum(boxes[:, 1], boxes[:, 3]), torch.maximum(boxes[:, 1], boxes[:, 3])
    return torch.stack([x0, y0, x1, y1], dim=1)


def boundary_depth(masks: Tensor) -> Tensor:
    """Chessboard distance of each pixel of ``(N, H, W)`` masks to the nearest pixel outside them.

    ``(N, H, W)`` long, 0 outside a mask, 1 on its boundary pixels; found by
    repeated 3x3 erosion, with the image border counted as boundary (zero
    padding). The deepest pixel of a mask lies in its thickest part.
    """
    _check_masks('boundary_depth', masks)
    depth = torch.zeros(masks.shape, dtype=torch.long, device=masks.device)
    current = masks.bool().float().unsqueeze(1)
    while bool(current.any()):
        depth += current[:, 0].long()
        # erosion = min-pool; zero padding makes the image border a boundary
        current = -F.max_pool2d(-F.pad(current, (1, 1, 1, 1)), kernel_size=3, stride=1)
    return depth


def center_points_of_masks(masks: Tensor) -> Tensor:
    """The centre-most pixel of each mask, ``(N, 1, 2)`` float ``(x, y)``: a deterministic point prompt.

    "Centre-most" is the pixel farthest from the mask boundary
    (:func:`boundary_depth`), so it lies inside the mask even for rings and
    crosses, whose centroid may not. Ties go to the pixel nearest the centroid
    of the tied pixels, then to the first in raster order. An empty mask gets
    ``(0, 0)``.
    """
    _check_masks('center_points_of_masks', masks)
    n, h, w = masks.shape
    region = masks.bool()
    flat = boundary_depth(region).flatten(1)
    deepest = flat == flat.max(1, keepdim=True).values
    ys, xs = torch.meshgrid(torch.arange(h, device=masks.device), torch.arange(w, device=masks.device),
                            indexing='ij')
    xs, ys = xs.flatten().float(), ys.flatten().float()
    count = deepest.sum(1).clamp(min=1).float()
    cx = (deepest * xs).sum(1) / count
    cy = (deepest * ys).sum(1) / count
    dist = (xs - cx[:, None]) ** 2 + (ys - cy[:, None]) ** 2
    dist = torch.where(deepest, dist, torch.full_like(dist, float('inf')))
    idx = dist.argmin(1)  # first minimum in raster order
    points = torch.stack([idx % w, idx // w], dim=-1).float()
    points[~region.flatten(1).any(1)] = 0
    return points.unsqueeze(1)
