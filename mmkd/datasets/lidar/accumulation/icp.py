"""Views registered by point-to-point ICP onto the densest view, then concatenated.

With ground-truth boxes the canonical frames already agree; with noisy
boxes (a tracker's, or a loose annotation) the views are shifted and turned
against each other and concatenation smears the object. Rigid ICP (nearest
neighbours by ``scipy.spatial.cKDTree``, Kabsch/SVD for the rigid step) pulls
each view onto the densest one. A view with too few points to register is
kept as it is; a registration whose result moves the view further than
``max_shift`` metres is rejected (ICP slid along a flat side).
"""
from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np
from scipy.spatial import cKDTree

from .base import AccumulationStrategy


def rigid_fit(source: np.ndarray, target: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Rotation R and translation t minimising sum |R s + t - t'|^2 over matched pairs (Kabsch)."""
    mu_s, mu_t = source.mean(0), target.mean(0)
    u, _, vt = np.linalg.svd((source - mu_s).T @ (target - mu_t))
    d = np.sign(np.linalg.det(vt.T @ u.T))
    rot = vt.T @ np.diag([1.0] * (source.shape[1] - 1) + [d]) @ u.T
    return rot, mu_t - rot @ mu_s


def icp(source: np.ndarray, target: np.ndarray, iterations: int = 20, max_distance: float = 0.5,
        tolerance: float = 1e-5) -> Tuple[np.ndarray, np.ndarray]:
    """Rigid transform (R, t) taking ``source`` (N, 3) onto ``target`` (M, 3)."""
    tree = cKDTree(target)
    rot, shift = np.eye(3), np.zeros(3)
    previous = np.inf
    for _ in range(iterations):
        moved = source @ rot.T + shift
        dist, idx = tree.query(moved)
        close = dist <= max_distance
        if close.sum() < 3:
            break
        step_rot, step_shift = rigid_fit(moved[close], target[idx[close]])
        rot, shift = step_rot @ rot, step_rot @ shift + step_shift
        error = float(np.mean(dist[close] ** 2))
        if abs(previous - error) < tolerance:
            break
        previous = error
    return rot, shift


class ICPStrategy(AccumulationStrategy):

    def __init__(self, iterations: int = 20, max_distance: float = 0.5, min_points: int = 10,
                 max_shift: float = 1.0) -> None:
        self.iterations, self.max_distance = iterations, max_distance
        self.min_points, self.max_shift = min_points, max_shift

    def accumulate(self, clouds: Sequence[np.ndarray], target: int) -> np.ndarray:
        reference = int(np.argmax([len(c) for c in clouds]))
        out = []
        for i, cloud in enumerate(clouds):
            if i != reference and len(cloud) >= self.min_points and len(clouds[reference]) >= self.min_points:
                rot, shift = icp(cloud[:, :3], clouds[reference][:, :3], self.iterations, self.max_distance)
                if np.linalg.norm(shift) <= self.max_shift:
                    cloud = cloud.copy()
                    cloud[:, :3] = cloud[:, :3] @ rot.T + shift
            out.append(cloud)
        return np.concatenate(out, axis=0)

    def describe(self) -> dict:
        return dict(type=type(self).__name__, iterations=self.iterations, max_distance=self.max_distance,
                    min_points=self.min_points, max_shift=self.max_shift)
