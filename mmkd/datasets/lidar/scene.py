"""A street scene over time: ego trajectory, moving road users, static occluders.

The layout is a straight street along world +x: four traffic lanes (two per
direction), bike lanes, parking strips, sidewalks and walls with gaps. Cars
drive in lanes (one speed per lane, spaced so that they never collide within
a sequence), cyclists ride the bike lanes, pedestrians walk the sidewalks,
parked cars stand in the parking strips. Every road user is a *track*: one
id, one size, a pose per frame. Walls and poles are unlabelled static solids.
Nothing here is random without the generator passed in, so a sequence is a
pure function of its seed.

Each category is a small union of boxes (a car's body and cabin, a
pedestrian's legs and torso, a cyclist's bike and rider): the sensor sees a
shape, not one cuboid, while the label is the enclosing box.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import numpy as np

#: KITTI class names of the labelled road users
CATEGORIES = ('Car', 'Pedestrian', 'Cyclist')

# parts of each category, in the label box's frame (bottom centre at the
# origin, heading +x), as fractions of (l, w, h):
# (centre x, centre y, bottom z, length, width, height)
PARTS: Dict[str, Tuple[Tuple[float, ...], ...]] = {
    'Car': ((0.0, 0.0, 0.15, 1.0, 1.0, 0.5), (-0.05, 0.0, 0.65, 0.55, 0.92, 0.35)),
    'Pedestrian': ((0.0, 0.0, 0.0, 0.55, 0.7, 0.45), (0.0, 0.0, 0.45, 1.0, 1.0, 0.55)),
    'Cyclist': ((0.0, 0.0, 0.0, 1.0, 0.3, 0.5), (-0.1, 0.0, 0.5, 0.4, 1.0, 0.5)),
}
SIZES = {  # mean (l, w, h) and per-dimension std, metres
    'Car': ((4.0, 1.7, 1.55), (0.3, 0.08, 0.08)),
    'Pedestrian': ((0.8, 0.6, 1.75), (0.1, 0.06, 0.08)),
    'Cyclist': ((1.75, 0.6, 1.75), (0.1, 0.05, 0.06)),
}
REFLECTIVITY = {'Car': 0.6, 'Pedestrian': 0.35, 'Cyclist': 0.45, 'wall': 0.25, 'pole': 0.5}

LANES = ((-5.25, 0.0), (-1.75, 0.0), (1.75, np.pi), (5.25, np.pi))  # (y, heading)
EGO_LANE = 1
BIKE_LANES = ((-7.7, 0.0), (7.7, np.pi))
PARKING_Y = 9.5
SIDEWALK_SLOTS = (11.0, 11.7, 12.4, 13.1)
WALL_Y, POLE_Y = 14.2, 10.8


@dataclass
class Track:
    """One labelled road user: world poses ``(T, 3)`` = x, y, yaw per frame."""
    track_id: int
    category: str
    size: np.ndarray
    poses: np.ndarray

    def box(self, frame: int) -> np.ndarray:
        """World box (x, y, z_bottom=0, l, w, h, yaw) at ``frame``."""
        x, y, yaw = self.poses[frame]
        return np.array([x, y, 0.0, *self.size, yaw])

    def solids(self, frame: int) -> np.ndarray:
        """World boxes of the parts at ``frame``, (P, 7)."""
        box = self.box(frame)
        parts = np.asarray(PARTS[self.category])
        l, w, h = self.size
        c, s = np.cos(box[6]), np.sin(box[6])
        px, py = parts[:, 0] * l, parts[:, 1] * w
        return np.stack([box[0] + c * px - s * py, box[1] + s * px + c * py, parts[:, 2] * h,
                         parts[:, 3] * l, parts[:, 4] * w, parts[:, 5] * h,
                         np.full(len(parts), box[6])], axis=1)


@dataclass
class Scene:
    """One sequence: ego poses ``(T, 3)``, tracks and static solids ``(K, 7)``."""
    ego_poses: np.ndarray
    tracks: List[Track]
    static_solids: np.ndarray
    static_reflectivity: np.ndarray
    frame_interval: float
    meta: dict = field(default_factory=dict)

    @property
    def num_frames(self) -> int:
        return len(self.ego_poses)


def _spaced_positions(rng: np.random.Generator, start: float, stop: float,
                      gap: Tuple[float, float], keep: float) -> np.ndarray:
    """Positions along a lane from ``start`` to ``stop`` with random gaps; each kept with prob ``keep``."""
    out, x = [], start + rng.uniform(0, gap[1])
    while x < stop:
        if rng.random() < keep:
            out.append(x)
        x += rng.uniform(*gap)
    return np.asarray(out)


def _sample_size(rng: np.random.Generator, category: str) -> np.ndarray:
    mean, std = SIZES[category]
    return np.asarray(mean) + rng.normal(0, 1, 3) * np.asarray(std)


def generate_scene(rng: np.random.Generator, num_frames: int = 12, frame_interval: float = 0.2,
                   density: float = 1.0) -> Scene:
    """A random street sequence; ``density`` scales how many road users appear."""
    if num_frames < 1:
        raise ValueError(f'num_frames must be >= 1, got {num_frames}')
    times = np.arange(num_frames) * frame_interval
    ego_speed = rng.uniform(5.0, 10.0)
    ego_y = LANES[EGO_LANE][0]
    ego_poses = np.stack([times * ego_speed, np.full(num_frames, ego_y), np.zeros(num_frames)], axis=1)
    span = (-20.0, 100.0 + ego_speed * times[-1])
    tracks: List[Track] = []

    def add(category: str, x0: float, y: float, heading: float, speed: float, lateral: float = 0.0) -> None:
        size = _sample_size(rng, category)
        direction = np.array([np.cos(heading), np.sin(heading)])
        xy = np.array([x0, y]) + times[:, None] * speed * direction[None]
        xy[:, 1] += lateral * np.sin(2 * np.pi * times / max(times[-1], frame_interval) * 0.5)
        yaw = np.full(num_frames, heading) + rng.normal(0, 0.02)
        tracks.append(Track(len(tracks), category, size, np.concatenate([xy, yaw[:, None]], axis=1)))

    for lane, (y, heading) in enumerate(LANES):
        speed = ego_speed + rng.uniform(-1, 1) if heading == 0 else rng.uniform(5, 12)
        keep = 0.55 * density
        for x in _spaced_positions(rng, *span, gap=(11.0, 30.0), keep=keep):
            if lane == EGO_LANE and -15.0 < x < 12.0:
                continue  # room for the ego vehicle
            add('Car', x, y + rng.normal(0, 0.2), heading, speed)
    for y, heading in BIKE_LANES:
        speed = rng.uniform(3, 6)
        for x in _spaced_positions(rng, *span, gap=(8.0, 40.0), keep=0.35 * density):
            add('Cyclist', x, y + rng.normal(0, 0.1), heading, speed)
    for side in (-1, 1):
        for x in _spaced_positions(rng, *span, gap=(5.0, 14.0), keep=0.45 * density):
            heading = (0.0 if side < 0 else np.pi) + rng.normal(0, 0.05)
            add('Car', x, side * PARKING_Y + rng.normal(0, 0.15), heading, 0.0)
        for slot in SIDEWALK_SLOTS:
            heading = 0.0 if rng.random() < 0.5 else np.pi
            speed = rng.uniform(0.8, 1.6)
            for x in _spaced_positions(rng, *span, gap=(2.5, 25.0), keep=0.35 * density):
                add('Pedestrian', x, side * slot + rng.normal(0, 0.05), heading, speed,
                    lateral=rng.normal(0, 0.1))

    static, refl = [], []
    for side in (-1, 1):
        x = span[0]
        while x < span[1]:  # wall segments with gaps (driveways, side streets)
            length = rng.uniform(6, 25)
            if rng.random() < 0.75:
                static.append([x + length / 2, side * WALL_Y, 0.0, length, 0.4, rng.uniform(1.5, 4.0), 0.0])
                refl.append(REFLECTIVITY['wall'])
            x += length + rng.uniform(2, 10)
        for x in _spaced_positions(rng, *span, gap=(10.0, 30.0), keep=0.8):
            static.append([x, side * POLE_Y, 0.0, 0.3, 0.3, rng.uniform(3.0, 6.0), 0.0])
            refl.append(REFLECTIVITY['pole'])
    return Scene(ego_poses=ego_poses, tracks=tracks, static_solids=np.asarray(static, dtype=np.float64).reshape(-1, 7),
                 static_reflectivity=np.asarray(refl, dtype=np.float64), frame_interval=frame_interval,
                 meta=dict(ego_speed=float(ego_speed)))


def world_to_ego(boxes: np.ndarray, ego_pose: np.ndarray, sensor_height: float) -> np.ndarray:
    """World boxes (ground at z=0) in the sensor frame of ``ego_pose`` (ground at z=-height)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 7).copy()
    ex, ey, eyaw = ego_pose
    c, s = np.cos(eyaw), np.sin(eyaw)
    dx, dy = boxes[:, 0] - ex, boxes[:, 1] - ey
    boxes[:, 0], boxes[:, 1] = c * dx + s * dy, -s * dx + c * dy
    boxes[:, 2] -= sensor_height
    boxes[:, 6] = (boxes[:, 6] - eyaw + np.pi) % (2 * np.pi) - np.pi
    return boxes
