"""A spinning multi-beam LiDAR ray-cast against oriented boxes and a ground plane.

Every ray (beam elevation x azimuth step) returns the nearest surface it hits,
so occlusion (a car hides the pedestrian behind it), self-occlusion (the
ego vehicle's roof blocks the steep beams; an object's far side is never
seen) and range sparsity (beams diverge with distance) come from geometry,
not from rules. Range noise and dropout (more likely at long range) are
added on top. Frames are in the sensor frame: x forward, y left, z up, the
ground at ``z = -height`` (KITTI's velodyne frame).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

#: ego vehicle body in the sensor frame, (x, y, z_bottom, l, w, h, yaw) with z relative to the ground
EGO_BODY = (-0.3, 0.0, 0.0, 4.5, 1.9, 1.45, 0.0)


@dataclass
class RayHits:
    """What one sweep returned: points (N, 4) = x, y, z, intensity and, per
    point, the index of the solid it hit (-1 = ground)."""
    points: np.ndarray
    solid_index: np.ndarray
    #: per solid: rays that would reach it if nothing else were there
    rays_reaching: np.ndarray
    #: per solid: rays whose nearest hit it is (before dropout)
    rays_nearest: np.ndarray


@dataclass
class SpinningLidar:
    num_beams: int = 32
    elevation_range: Tuple[float, float] = (-24.0, 2.0)
    azimuth_step: float = 0.4
    max_range: float = 80.0
    height: float = 1.73
    range_noise: float = 0.02
    dropout: float = 0.03
    far_dropout: float = 0.2
    ground_reflectivity: float = 0.15

    def ray_directions(self, azimuth_offset: float = 0.0) -> np.ndarray:
        """Unit directions (R, 3) of one sweep, beam-major."""
        elev = np.deg2rad(np.linspace(*self.elevation_range, self.num_beams))
        azim = np.deg2rad(np.arange(0.0, 360.0, self.azimuth_step) + azimuth_offset)
        elev, azim = np.meshgrid(elev, azim, indexing='ij')
        return np.stack([np.cos(elev) * np.cos(azim), np.cos(elev) * np.sin(azim), np.sin(elev)],
                        axis=-1).reshape(-1, 3)

    def cast(self, solids: np.ndarray, reflectivity: np.ndarray, rng: np.random.Generator,
             ego_body: Optional[np.ndarray] = None) -> RayHits:
        """One sweep against ``solids`` (K, 7) boxes in the sensor frame (bottom z)."""
        solids = np.asarray(solids, dtype=np.float64).reshape(-1, 7)
        reflectivity = np.asarray(reflectivity, dtype=np.float64)
        if len(reflectivity) != len(solids):
            raise ValueError(f'{len(solids)} solids but {len(reflectivity)} reflectivities')
        if ego_body is None:
            ego_body = np.array(EGO_BODY, dtype=np.float64)
            ego_body[2] -= self.height
        dirs = self.ray_directions(rng.uniform(0, self.azimuth_step))
        boxes = np.concatenate([solids, ego_body[None]], axis=0)
        t_box, cos_box = ray_box_intersections(dirs, boxes)                   # (R, K+1)
        t_box[t_box > self.max_range] = np.inf
        t_ground = np.full(len(dirs), np.inf)
        down = dirs[:, 2] < -1e-6
        t_ground[down] = -self.height / dirs[down, 2]
        t_ground[t_ground > self.max_range] = np.inf

        t_all = np.concatenate([t_box, t_ground[:, None]], axis=1)
        nearest = np.argmin(t_all, axis=1)
        t = t_all[np.arange(len(dirs)), nearest]
        ego, ground = len(solids), len(solids) + 1
        keep = np.isfinite(t) & (nearest != ego)
        rays_reaching = np.isfinite(t_box[:, :len(solids)]).sum(0)
        rays_nearest = np.bincount(nearest[keep], minlength=ground + 1)[:len(solids)]

        finite = np.isfinite(t)
        dropout_p = self.dropout + self.far_dropout * (np.where(finite, t, 0.0) / self.max_range) ** 2
        keep &= rng.random(len(dirs)) >= np.where(finite, dropout_p, 1.0)
        dirs, t, nearest = dirs[keep], t[keep], nearest[keep]
        cos = np.where(nearest == ground, np.abs(dirs[:, 2]),
                       cos_box[keep, np.minimum(nearest, len(solids))])
        refl = np.where(nearest == ground, self.ground_reflectivity,
                        reflectivity[np.minimum(nearest, len(solids) - 1)] if len(solids) else 0.0)
        t = t + rng.normal(0.0, self.range_noise, len(t))
        intensity = np.clip(refl * (0.3 + 0.7 * cos) + rng.normal(0, 0.02, len(t)), 0.0, 1.0)
        points = np.concatenate([dirs * t[:, None], intensity[:, None]], axis=1).astype(np.float32)
        solid_index = np.where(nearest == ground, -1, nearest)
        return RayHits(points, solid_index, rays_reaching, rays_nearest)


def ray_box_intersections(dirs: np.ndarray, boxes: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Entry distance (R, K) of rays from the origin into boxes (inf = miss) and
    the |cosine| between ray and the entered face's normal (slab method)."""
    if len(boxes) == 0:
        return np.full((len(dirs), 0), np.inf), np.zeros((len(dirs), 0))
    center = boxes[:, :3].copy()
    center[:, 2] += boxes[:, 5] / 2
    c, s = np.cos(boxes[:, 6]), np.sin(boxes[:, 6])
    # origin and directions in each box's frame
    o = np.stack([-(c * center[:, 0] + s * center[:, 1]), -(-s * center[:, 0] + c * center[:, 1]),
                  -center[:, 2]], axis=1)                                                 # (K, 3)
    d = np.stack([dirs[:, None, 0] * c + dirs[:, None, 1] * s,
                  -dirs[:, None, 0] * s + dirs[:, None, 1] * c,
                  np.broadcast_to(dirs[:, None, 2], (len(dirs), len(boxes)))], axis=-1)   # (R, K, 3)
    d = np.where(np.abs(d) < 1e-12, 1e-12, d)
    half = boxes[:, 3:6] / 2
    t1 = (-half[None] - o[None]) / d
    t2 = (half[None] - o[None]) / d
    t_lo = np.minimum(t1, t2)
    axis = np.argmax(t_lo, axis=-1)
    t_near = np.take_along_axis(t_lo, axis[..., None], -1)[..., 0]
    t_far = np.maximum(t1, t2).min(-1)
    hit = (t_far >= t_near) & (t_near > 0)
    cos = np.abs(np.take_along_axis(d, axis[..., None], -1)[..., 0])
    return np.where(hit, t_near, np.inf), cos
