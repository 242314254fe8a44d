"""Interactive multi-click evaluation: each next click goes where the last prediction is most wrong.

The protocol of interactive segmentation benchmarks (RITM, Sofiiuk et al.
2022) that SAM and TinySAM use for point prompting with several points: the
first click is a positive click at the centre-most pixel of the object; after
each prediction, the errors are split into false negatives (object pixels
the mask misses) and false positives (background it covers); the next click
is placed at the error pixel farthest from the boundary of its error region,
i.e. inside the largest (thickest) error region, positive on a false
negative, negative on a false positive. Clicks accumulate, so the ``k``-th
prediction is made from ``k`` points. Only points are prompted (no previous
mask logits): the models here are trained from points and boxes alone.

Distances are chessboard distances (repeated 3x3 erosion), with the image
border counted as boundary, as for the first click
(:func:`~mmkd.models.sam.prompt_sampling.center_points_of_masks`). A mask
predicted exactly has no error: it gets a padding point (label -1, "not a
point") and its prediction stays the same.
"""
from __future__ import annotations

from typing import Callable, Dict, Sequence, Tuple

import torch
from torch import Tensor

from .prompt_sampling import PAD_LABEL, boundary_depth, center_points_of_masks

PredictFn = Callable[[Tensor, Tensor], Tensor]


def next_clicks(pred: Tensor, gt: Tensor) -> Tuple[Tensor, Tensor]:
    """The next click for each of ``N`` masks: ``coords (N, 1, 2)`` ``(x, y)`` and ``labels (N, 1)``.

    ``pred`` and ``gt`` are ``(N, H, W)`` boolean. The label is 1 where the
    click corrects a false negative, 0 for a false positive, ``PAD_LABEL``
    (coords 0) where the prediction is already exact. Of a tie between a
    false-negative and a false-positive region of the same depth, the false
    negative wins (the object is still missing a part).
    """
    if pred.shape != gt.shape or pred.ndim != 3:
        raise ValueError(f'next_clicks expects pred and gt of the same (N, H, W) shape, got '
                         f'{tuple(pred.shape)} and {tuple(gt.shape)}')
    pred, gt = pred.bool(), gt.bool()
    fn_depth = boundary_depth(gt & ~pred).flatten(1).max(1).values
    fp_depth = boundary_depth(pred & ~gt).flatten(1).max(1).values
    positive = fn_depth >= fp_depth
    region = torch.where(positive[:, None, None], gt & ~pred, pred & ~gt)
    coords = center_points_of_masks(region)
    exact = torch.maximum(fn_depth, fp_depth) == 0
    labels = torch.where(positive, 1, 0).long()
    labels[exact] = PAD_LABEL
    coords[exact] = 0
    return coords, labels.unsqueeze(1)


def simulate_clicks(predict: PredictFn, gt: Tensor, click_counts: Sequence[int]) -> Dict[int, Tensor]:
    """Predictions after each requested number of clicks, ``{k: (N, H, W) bool}``.

    Args:
        predict: ``predict(coords (N, P, 2), labels (N, P)) -> (N, H, W)``
            boolean masks of the model under test for every mask's points.
        gt: ``(N, H, W)`` ground-truth masks, each non-empty.
        click_counts: e.g. ``(1, 3, 5)``; the simulation runs up to the
            largest and keeps the prediction at each requested count.
    """
    counts = sorted(set(int(k) for k in click_counts))
    if not counts or counts[0] < 1:
        raise ValueError(f'simulate_clicks: click counts must be >= 1, got {list(click_counts)}')
    gt = gt.bool()
    coords = center_points_of_masks(gt)
    labels = torch.ones(coords.shape[:2], dtype=torch.long, device=gt.device)
    kept, pred = {}, None
    for k in range(1, counts[-1] + 1):
        exact = torch.zeros(gt.shape[0], dtype=torch.bool, device=gt.device)
        if k > 1:
            new_coords, new_labels = next_clicks(pred, gt)
            exact = new_labels[:, 0] == PAD_LABEL
            coords, labels = torch.cat([coords, new_coords], 1), torch.cat([labels, new_labels], 1)
        new_pred = predict(coords, labels).bool()
        if new_pred.shape != gt.shape:
            raise ValueError(f'simulate_clicks: predict returned shape {tuple(new_pred.shape)}, expected '
                             f'{tuple(gt.shape)} (one mask per ground-truth mask)')
        # an exact mask got no new click, so its prediction is final
        pred = new_pred if pred is None else torch.where(exact[:, None, None], pred, new_pred)
        if k in counts:
            kept[k] = pred
    return kept
