"""Oriented 3D boxes in the LiDAR frame: point membership and the box's canonical frame.

A box is ``(x, y, z, l, w, h, yaw)`` with ``z`` the BOTTOM centre (mmdet3d's
``LiDARInstance3DBoxes`` convention, origin ``(0.5, 0.5, 0)``), ``l`` along the
heading, ``yaw`` about +z. Object-complete frames move points into a box's
canonical frame (centre at the origin, heading along +x) to merge views of one
object taken from different poses, and back out into another frame's box.
"""
from __future__ import annotations

import numpy as np


def _check_boxes(boxes: np.ndarray) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] != 7:
        raise ValueError(f'boxes must have shape (N, 7) = x, y, z, l, w, h, yaw; got {boxes.shape}')
    return boxes


def rotation_z(yaw: float) -> np.ndarray:
    """3x3 rotation about +z by ``yaw`` (counter-clockwise seen from above)."""
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def box_center(box: np.ndarray) -> np.ndarray:
    """Geometric centre of one box (its z is the bottom)."""
    return np.array([box[0], box[1], box[2] + box[5] / 2.0])


def to_canonical(points_xyz: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Points (N, 3) in the frame of ``box``: centre at 0, heading along +x."""
    return (points_xyz - box_center(box)) @ rotation_z(box[6])


def from_canonical(points_xyz: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_canonical`: canonical points placed into ``box``."""
    return points_xyz @ rotation_z(box[6]).T + box_center(box)


def points_in_boxes(points_xyz: np.ndarray, boxes: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """Boolean (N points, M boxes) membership, boxes grown by ``margin`` per side."""
    boxes = _check_boxes(boxes)
    points_xyz = np.asarray(points_xyz, dtype=np.float64)[:, :3]
    if len(boxes) == 0:
        return np.zeros((len(points_xyz), 0), dtype=bool)
    centers = boxes[:, :3].copy()
    centers[:, 2] += boxes[:, 5] / 2.0
    rel = points_xyz[:, None, :] - centers[None]                       # (N, M, 3)
    c, s = np.cos(boxes[:, 6]), np.sin(boxes[:, 6])
    local_x = rel[..., 0] * c + rel[..., 1] * s
    local_y = -rel[..., 0] * s + rel[..., 1] * c
    half = boxes[:, 3:6] / 2.0 + margin
    return ((np.abs(local_x) <= half[:, 0]) & (np.abs(local_y) <= half[:, 1])
            & (np.abs(rel[..., 2]) <= half[:, 2]))


def box_corners(boxes: np.ndarray) -> np.ndarray:
    """(M, 8, 3) corners; the first four are the bottom face."""
    boxes = _check_boxes(boxes)
    unit = np.array([[1, 1, 0], [1, -1, 0], [-1, -1, 0], [-1, 1, 0],
                     [1, 1, 1], [1, -1, 1], [-1, -1, 1], [-1, 1, 1]], dtype=np.float64)
    scale = unit.copy()
    scale[:, :2] *= 0.5
    local = scale[None] * boxes[:, None, 3:6]                             # (M, 8, 3)
    c, s = np.cos(boxes[:, 6])[:, None], np.sin(boxes[:, 6])[:, None]
    x = local[..., 0] * c - local[..., 1] * s + boxes[:, None, 0]
    y = local[..., 0] * s + local[..., 1] * c + boxes[:, None, 1]
    z = local[..., 2] + boxes[:, None, 2]
    return np.stack([x, y, z], axis=-1)
