"""Feature distillation on bird's-eye-view (BEV) maps of LiDAR detectors.

X-Ray distillation (Gambashidze et al., "Weak-to-Strong 3D Object Detection
with X-Ray Distillation", CVPR 2024) trains a student on raw frames to
reproduce the BEV features that a same-architecture teacher computes from
the object-complete frame of the same sample:
``L = mean_{c,y,x} w_{yx} (F_S - F_T)^2 / mean w``. With ``w = 1`` this is
plain MSE; the foreground-weighted variant raises ``w`` on the BEV cells
covered by ground-truth boxes, where object completion changes the
teacher's features and the student has most to learn, and lowers it on the
(mostly empty) background.

BEV layout (mmdet3d's voxel encoders and ``PointPillarsScatter``): a map of
shape (H, W) spans ``point_cloud_range``, rows along y, columns along x.
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


def rasterise_boxes_bev(boxes: Tensor, point_cloud_range: Sequence[float], shape: Sequence[int]) -> Tensor:
    """(H, W) float mask: 1 where a BEV cell's centre lies in a box's footprint.

    Args:
        boxes: (K, >=7) LiDAR boxes, x, y, z, l (along yaw), w, h, yaw.
        point_cloud_range: x_min, y_min, z_min, x_max, y_max, z_max.
        shape: (H, W) of the map.
    """
    if boxes.ndim != 2 or (len(boxes) and boxes.shape[1] < 7):
        raise ValueError(f'rasterise_boxes_bev expects (K, 7+) boxes, got shape {tuple(boxes.shape)}')
    if len(point_cloud_range) != 6:
        raise ValueError(f'point_cloud_range needs 6 numbers, got {point_cloud_range}')
    h, w = shape
    x0, y0, _, x1, y1, _ = point_cloud_range
    device = boxes.device
    xs = x0 + (torch.arange(w, device=device, dtype=torch.float32) + 0.5) * (x1 - x0) / w
    ys = y0 + (torch.arange(h, device=device, dtype=torch.float32) + 0.5) * (y1 - y0) / h
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing='ij')                      # (H, W)
    if len(boxes) == 0:
        return torch.zeros(h, w, device=device)
    b = boxes[:, :7].float()
    dx = grid_x[None] - b[:, 0, None, None]
    dy = grid_y[None] - b[:, 1, None, None]
    cos, sin = torch.cos(b[:, 6])[:, None, None], torch.sin(b[:, 6])[:, None, None]
    along = dx * cos + dy * sin
    across = -dx * sin + dy * cos
    inside = (along.abs() <= b[:, 3, None, None] / 2) & (across.abs() <= b[:, 4, None, None] / 2)
    return inside.any(0).float()


def bev_distill_loss(preds_S: Tensor, preds_T: Tensor, weight: Optional[Tensor] = None) -> Tensor:
    """``sum w (S - T)^2 / (C * sum w)`` over (B, C, H, W) maps; ``weight`` (B, H, W), None = uniform MSE."""
    check_pair('BEV distillation', preds_S, preds_T, ndim=4)
    diff = (preds_S - preds_T).pow(2)
    if weight is None:
        return diff.mean()
    if weight.shape != (preds_S.shape[0], *preds_S.shape[2:]):
        raise ValueError(f'BEV distillation: weight of shape {tuple(weight.shape)} does not match the maps '
                         f'{tuple(preds_S.shape)} (expected (B, H, W))')
    weight = weight.to(diff.dtype)
    return (diff * weight[:, None]).sum() / (weight.sum() * preds_S.shape[1]).clamp(min=1e-12)


def gt_bev_boxes(data_samples) -> list:
    """Per sample, the (K, 7) ground-truth LiDAR boxes of an mmdet3d data sample."""
    boxes = []
    for i, sample in enumerate(data_samples):
        gt = getattr(sample, 'gt_instances_3d', None)
        if gt is None or 'bboxes_3d' not in gt:
            raise KeyError(f'data sample {i} has no gt_instances_3d.bboxes_3d (foreground weights need the '
                           'ground-truth 3D boxes)')
        b = gt.bboxes_3d
        boxes.append(b.tensor if hasattr(b, 'tensor') else torch.as_tensor(b))
    return boxes


def foreground_weights(data_samples, point_cloud_range: Sequence[float], shape: Sequence[int],
                       foreground: float, background: float, device) -> Tensor:
    """(B, H, W) weights: ``foreground`` on GT box footprints, ``background`` elsewhere."""
    masks = torch.stack([rasterise_boxes_bev(b.to(device), point_cloud_range, shape)
                         for b in gt_bev_boxes(data_samples)])
    return background + (foreground - background) * masks


def as_levels(value: Union[Tensor, Sequence[Tensor]]) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


@MODELS.register_module()
class BEVDistillLoss(nn.Module):
    """Args:
        loss_weight: scales the loss.
        point_cloud_range: the detector's range (needed for foreground weights).
        foreground_weight, background_weight: per-cell weights on / off the
            ground-truth box footprints; equal (default) = plain MSE.

    ``preds_S``/``preds_T`` may be one map or a list of maps (neck levels, mean
    over levels); ``data_samples`` are needed only for foreground weights.
    """

    def __init__(self, loss_weight: float = 1.0, point_cloud_range: Optional[Sequence[float]] = None,
                 foreground_weight: float = 1.0, background_weight: float = 1.0) -> None:
        super().__init__()
        if foreground_weight != background_weight and point_cloud_range is None:
            raise ValueError('BEVDistillLoss: foreground weighting needs point_cloud_range')
        if min(foreground_weight, background_weight) < 0 or max(foreground_weight, background_weight) <= 0:
            raise ValueError('BEVDistillLoss: weights must be >= 0 and not both 0')
        self.loss_weight = loss_weight
        self.point_cloud_range = point_cloud_range
        self.foreground_weight, self.background_weight = foreground_weight, background_weight

    def forward(self, preds_S, preds_T, data_samples=None) -> Tensor:
        levels_S, levels_T = as_levels(preds_S), as_levels(preds_T)
        if len(levels_S) != len(levels_T):
            raise ValueError(f'BEVDistillLoss: {len(levels_S)} student maps but {len(levels_T)} teacher maps')
        total = 0.0
        for s, t in zip(levels_S, levels_T):
            weight = None
            if self.foreground_weight != self.background_weight:
                if data_samples is None:
                    raise ValueError("BEVDistillLoss: foreground weighting needs loss input 'data_samples'")
                weight = foreground_weights(data_samples, self.point_cloud_range, s.shape[-2:],
                                            self.foreground_weight, self.background_weight, s.device)
            total = total + bev_distill_loss(s, t, weight)
        return self.loss_weight * total / len(levels_S)
