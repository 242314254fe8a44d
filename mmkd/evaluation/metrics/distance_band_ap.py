"""Average precision by distance band: where object completeness matters.

A LiDAR sweep thins out with range: an object at 50 m returns a handful of
points, one at 10 m hundreds. Methods that add information about object
shape (object-complete teachers) should help most far away, which an AP
over all ranges hides. These are pure functions; ``KittiDistanceMetric``
applies them beside mmdet3d's KITTI evaluation.

Per class and band: ground truths and predictions whose box centre lies at
a BEV distance in ``[lo, hi)`` from the sensor; predictions are matched to
unmatched ground truths of the same frame greedily by score at a BEV
rotated IoU threshold; AP is KITTI's 40-point interpolated AP (R40): the
mean over recalls 1/40 ... 1 of the best precision at that recall or more.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np
import torch


def ap_r40(scores: np.ndarray, is_tp: np.ndarray, num_gt: int) -> float:
    """KITTI R40 average precision of detections (score, true-positive flag) against ``num_gt`` objects."""
    if num_gt == 0:
        return float('nan')
    if len(scores) == 0:
        return 0.0
    order = np.argsort(-np.asarray(scores), kind='stable')
    tp = np.asarray(is_tp, dtype=np.float64)[order]
    cum_tp = np.cumsum(tp)
    precision = cum_tp / np.arange(1, len(tp) + 1)
    recall = cum_tp / num_gt
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    ap = 0.0
    for r in np.linspace(1 / 40, 1, 40):
        reached = np.flatnonzero(recall >= r - 1e-12)
        ap += envelope[reached[0]] if len(reached) else 0.0
    return ap / 40


def bev_iou(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """(N, M) rotated BEV IoU of LiDAR boxes (x, y, z, l, w, h, yaw), by mmcv's ``box_iou_rotated``."""
    from mmcv.ops import box_iou_rotated
    if len(boxes_a) == 0 or len(boxes_b) == 0:
        return np.zeros((len(boxes_a), len(boxes_b)))
    a = torch.as_tensor(np.asarray(boxes_a)[:, [0, 1, 3, 4, 6]], dtype=torch.float32)
    b = torch.as_tensor(np.asarray(boxes_b)[:, [0, 1, 3, 4, 6]], dtype=torch.float32)
    return box_iou_rotated(a, b).numpy()


def match_frame(pred_boxes: np.ndarray, pred_scores: np.ndarray, gt_boxes: np.ndarray,
                iou_threshold: float) -> np.ndarray:
    """True-positive flag per prediction of one frame (greedy by score, one GT per prediction)."""
    tp = np.zeros(len(pred_boxes), dtype=bool)
    if len(pred_boxes) == 0 or len(gt_boxes) == 0:
        return tp
    iou = bev_iou(pred_boxes, gt_boxes)
    taken = np.zeros(len(gt_boxes), dtype=bool)
    for i in np.argsort(-pred_scores, kind='stable'):
        candidates = np.where(taken, -1.0, iou[i])
        j = int(np.argmax(candidates))
        if candidates[j] >= iou_threshold:
            taken[j] = tp[i] = True
    return tp


def band_ap(frames: Sequence[Tuple[np.ndarray, np.ndarray, np.ndarray]], band: Tuple[float, float],
            iou_threshold: float) -> float:
    """R40 BEV AP of one class in one distance band.

    Args:
        frames: per frame (pred_boxes (N, 7), pred_scores (N,), gt_boxes (M, 7)) of the class.
        band: [lo, hi) metres of BEV distance of the box centre.
    """
    scores: List[np.ndarray] = []
    flags: List[np.ndarray] = []
    num_gt = 0
    for pred_boxes, pred_scores, gt_boxes in frames:
        pred_boxes, gt_boxes = np.asarray(pred_boxes).reshape(-1, 7), np.asarray(gt_boxes).reshape(-1, 7)
        in_band = lambda b: (np.hypot(b[:, 0], b[:, 1]) >= band[0]) & (np.hypot(b[:, 0], b[:, 1]) < band[1])  # noqa
        p, g = in_band(pred_boxes), in_band(gt_boxes)
        num_gt += int(g.sum())
        s = np.asarray(pred_scores)[p]
        scores.append(s)
        flags.append(match_frame(pred_boxes[p], s, gt_boxes[g], iou_threshold))
    return ap_r40(np.concatenate(scores) if scores else np.zeros(0),
                  np.concatenate(flags) if flags else np.zeros(0, bool), num_gt)
