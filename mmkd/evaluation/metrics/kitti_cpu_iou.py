"""A CPU rotated-box overlap for mmdet3d's KITTI evaluation on machines without CUDA.

mmdet3d 1.4's KITTI evaluation (``kitti_utils.eval``) computes BEV and 3D
overlaps with ``rotate_iou_gpu_eval`` from ``kitti_utils/rotate_iou.py``, a
numba CUDA kernel: on a CPU-only machine importing that module fails
("CUDA driver library cannot be found") and no KITTI AP can be computed. The
evaluation imports the function lazily (``from .rotate_iou import
rotate_iou_gpu_eval`` inside ``bev_box_overlap`` / ``d3_box_overlap``), so
providing that module with a CPU function of the same contract, computed by
mmcv's ``box_iou_rotated`` op, gives the same numbers without CUDA. It is
installed only when CUDA is unavailable; with CUDA, mmdet3d's kernel is used.
"""
from __future__ import annotations

import sys
import types

import numpy as np
import torch

MODULE = 'mmdet3d.evaluation.functional.kitti_utils.rotate_iou'


def rotate_iou_cpu_eval(boxes: np.ndarray, query_boxes: np.ndarray, criterion: int = -1,
                        device_id: int = 0) -> np.ndarray:
    """(N, K) overlaps of rotated BEV boxes (cx, cy, w, h, angle), as ``rotate_iou_gpu_eval``:
    criterion -1 IoU, 0 intersection / area of ``boxes``, 1 / area of ``query_boxes``, else the
    intersection area."""
    from mmcv.ops import box_iou_rotated
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 5)
    query_boxes = np.asarray(query_boxes, dtype=np.float32).reshape(-1, 5)
    if len(boxes) == 0 or len(query_boxes) == 0:
        return np.zeros((len(boxes), len(query_boxes)), dtype=np.float32)
    iou = box_iou_rotated(torch.from_numpy(boxes), torch.from_numpy(query_boxes)).numpy().astype(np.float64)
    if criterion == -1:
        return iou.astype(np.float32)
    area = boxes[:, 2].astype(np.float64) * boxes[:, 3]
    query_area = query_boxes[:, 2].astype(np.float64) * query_boxes[:, 3]
    inter = iou * (area[:, None] + query_area[None]) / (1.0 + iou)   # IoU = I / (A + B - I)
    if criterion == 0:
        inter = inter / area[:, None]
    elif criterion == 1:
        inter = inter / query_area[None]
    return inter.astype(np.float32)


def use_cpu_rotated_iou_without_cuda() -> bool:
    """Provide the CPU overlap to mmdet3d's KITTI evaluation when CUDA is unavailable; True if installed."""
    if torch.cuda.is_available():
        return False
    module = sys.modules.get(MODULE)
    if module is not None and getattr(module, 'rotate_iou_gpu_eval', None) is rotate_iou_cpu_eval:
        return True
    module = types.ModuleType(MODULE)
    module.__doc__ = __doc__
    module.rotate_iou_gpu_eval = rotate_iou_cpu_eval
    sys.modules[MODULE] = module
    return True
