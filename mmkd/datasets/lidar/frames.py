"""From a scene to LiDAR frames with labels: one sweep per frame, labelled like KITTI.

A road user is labelled in a frame when its centre is in the left colour
camera's field of view, within ``label_range`` metres and hit by at least
``min_points`` returns (KITTI annotates the camera's view; an object no ray
reaches cannot be annotated from the sweep). Its KITTI occlusion level comes
from the sweep: the share of the rays that would reach it if nothing else
were there which actually hit it first (>= 0.8: 0 fully visible, >= 0.4:
1 partly occluded, else 2 largely occluded).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List

import numpy as np

from .boxes import points_in_boxes
from .kitti_layout import IMAGE_SHAPE, KittiCalib
from .scene import REFLECTIVITY, Scene, world_to_ego
from .sensor import SpinningLidar


@dataclass
class Frame:
    """One sweep: points (N, 4) in the sensor frame, and its labelled objects."""
    points: np.ndarray
    boxes: np.ndarray           # (M, 7) LiDAR boxes, bottom-centre z
    names: List[str]
    track_ids: np.ndarray       # (M,)
    occluded: np.ndarray        # (M,) KITTI occlusion level
    num_points: np.ndarray      # (M,) returns inside the box


def occlusion_level(visible_share: np.ndarray) -> np.ndarray:
    return np.where(visible_share >= 0.8, 0, np.where(visible_share >= 0.4, 1, 2))


def render_frame(scene: Scene, frame: int, sensor: SpinningLidar, rng: np.random.Generator,
                 calib: KittiCalib, label_range: float = 70.0, min_points: int = 1) -> Frame:
    ego = scene.ego_poses[frame]
    part_boxes, part_owner, part_refl = [], [], []
    for i, track in enumerate(scene.tracks):
        parts = track.solids(frame)
        part_boxes.append(parts)
        part_owner += [i] * len(parts)
        part_refl += [REFLECTIVITY[track.category]] * len(parts)
    world = np.concatenate(part_boxes + [scene.static_solids], axis=0) if part_boxes else scene.static_solids
    refl = np.concatenate([np.asarray(part_refl), scene.static_reflectivity])
    hits = sensor.cast(world_to_ego(world, ego, sensor.height), refl, rng)

    num_tracks = len(scene.tracks)
    owner = np.asarray(part_owner, dtype=np.int64)
    reaching = np.bincount(owner, weights=hits.rays_reaching[:len(owner)], minlength=num_tracks)
    nearest = np.bincount(owner, weights=hits.rays_nearest[:len(owner)], minlength=num_tracks)

    boxes = world_to_ego(np.stack([t.box(frame) for t in scene.tracks]) if num_tracks
                         else np.zeros((0, 7)), ego, sensor.height)
    counts = points_in_boxes(hits.points[:, :3], boxes).sum(0)
    center_cam = calib.lidar_to_cam(boxes[:, :3] + np.array([0, 0, 1.0]) * boxes[:, 5:6])
    uvd = calib.cam_to_image(center_cam) if num_tracks else np.zeros((0, 3))
    in_view = ((uvd[:, 2] > 0.5) & (uvd[:, 0] >= 0) & (uvd[:, 0] < IMAGE_SHAPE[1])
               & (uvd[:, 1] >= 0) & (uvd[:, 1] < IMAGE_SHAPE[0]))
    keep = in_view & (np.linalg.norm(boxes[:, :2], axis=1) <= label_range) & (counts >= min_points)
    share = nearest / np.maximum(reaching, 1)
    order = np.flatnonzero(keep)
    return Frame(points=hits.points, boxes=boxes[order], names=[scene.tracks[i].category for i in order],
                 track_ids=np.array([scene.tracks[i].track_id for i in order], dtype=np.int64),
                 occluded=occlusion_level(share[order]), num_points=counts[order])
