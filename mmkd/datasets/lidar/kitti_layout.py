"""Files of the KITTI 3D object layout: velodyne .bin, label_2 .txt, calib .txt, image_2.

The simulator writes exactly what a KITTI download contains (per sample
``training/{velodyne,label_2,calib,image_2}/<idx>``), so mmdet3d's own info
converter and ``KittiDataset`` read it unchanged and a config switches to the
real data set by its ``data_root``. Labels are in the rectified camera frame
(location = bottom centre, dimensions h w l, rotation_y about camera y).
"""
from __future__ import annotations

import os
import os.path as osp
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from .boxes import box_corners

IMAGE_SHAPE = (375, 1242)  # height, width of KITTI's left colour camera


@dataclass(frozen=True)
class KittiCalib:
    """KITTI's calibration: camera projections, rectification, LiDAR -> camera."""
    P2: np.ndarray
    R0_rect: np.ndarray
    Tr_velo_to_cam: np.ndarray

    @classmethod
    def default(cls) -> 'KittiCalib':
        """KITTI's typical left colour camera looking along the LiDAR's +x."""
        p2 = np.array([[721.5377, 0.0, 609.5593, 44.85728],
                       [0.0, 721.5377, 172.854, 0.2163791],
                       [0.0, 0.0, 1.0, 0.002745884]])
        # camera axes: x right = -y_lidar, y down = -z_lidar, z forward = x_lidar
        tr = np.array([[0.0, -1.0, 0.0, 0.0], [0.0, 0.0, -1.0, -0.08], [1.0, 0.0, 0.0, -0.27]])
        return cls(P2=p2, R0_rect=np.eye(3), Tr_velo_to_cam=tr)

    def lidar_to_cam(self, xyz: np.ndarray) -> np.ndarray:
        homo = np.concatenate([xyz, np.ones((len(xyz), 1))], axis=1)
        return (self.R0_rect @ (self.Tr_velo_to_cam @ homo.T)).T

    def cam_to_image(self, xyz_cam: np.ndarray) -> np.ndarray:
        """(N, 3) pixel u, v and depth."""
        homo = np.concatenate([xyz_cam, np.ones((len(xyz_cam), 1))], axis=1)
        uvw = (self.P2 @ homo.T).T
        return np.concatenate([uvw[:, :2] / uvw[:, 2:3], uvw[:, 2:3]], axis=1)

    def lines(self) -> str:
        def row(name, mat):
            return f'{name}: ' + ' '.join(f'{v:.12e}' for v in np.asarray(mat).reshape(-1))
        return '\n'.join([row('P0', self.P2), row('P1', self.P2), row('P2', self.P2), row('P3', self.P2),
                          row('R0_rect', self.R0_rect), row('Tr_velo_to_cam', self.Tr_velo_to_cam),
                          row('Tr_imu_to_velo', np.eye(4)[:3])]) + '\n'


def image_boxes(boxes_lidar: np.ndarray, calib: KittiCalib):
    """2D boxes (M, 4) clipped to the image, truncation (M,) and whether the box is in front."""
    corners = box_corners(boxes_lidar)                                    # (M, 8, 3)
    flat = calib.cam_to_image(calib.lidar_to_cam(corners.reshape(-1, 3))).reshape(-1, 8, 3)
    in_front = (flat[..., 2] > 0.1).all(-1)
    uv = flat[..., :2]
    full = np.concatenate([uv.min(1), uv.max(1)], axis=1)
    h, w = IMAGE_SHAPE
    clipped = full.copy()
    clipped[:, [0, 2]] = clipped[:, [0, 2]].clip(0, w - 1)
    clipped[:, [1, 3]] = clipped[:, [1, 3]].clip(0, h - 1)
    area = lambda b: np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)  # noqa: E731
    truncation = 1.0 - area(clipped) / np.maximum(area(full), 1e-6)
    return clipped, np.clip(truncation, 0.0, 1.0), in_front


def label_lines(boxes_lidar: np.ndarray, names: Sequence[str], occluded: Sequence[int],
                calib: KittiCalib) -> str:
    """KITTI label_2 text for LiDAR boxes (x, y, z_bottom, l, w, h, yaw)."""
    boxes_lidar = np.asarray(boxes_lidar, dtype=np.float64).reshape(-1, 7)
    bbox2d, truncation, _ = image_boxes(boxes_lidar, calib)
    loc = calib.lidar_to_cam(boxes_lidar[:, :3])            # bottom centre stays the bottom centre
    rot_y = -boxes_lidar[:, 6] - np.pi / 2
    rot_y = (rot_y + np.pi) % (2 * np.pi) - np.pi
    alpha = rot_y - np.arctan2(loc[:, 0], loc[:, 2])
    alpha = (alpha + np.pi) % (2 * np.pi) - np.pi
    out = []
    for i, name in enumerate(names):
        l, w, h = boxes_lidar[i, 3:6]
        out.append(f'{name} {truncation[i]:.2f} {int(occluded[i])} {alpha[i]:.4f} '
                   + ' '.join(f'{v:.2f}' for v in bbox2d[i])
                   + f' {h:.4f} {w:.4f} {l:.4f} '
                   + ' '.join(f'{v:.4f}' for v in loc[i]) + f' {rot_y[i]:.4f}')
    return '\n'.join(out) + ('\n' if out else '')


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write through a temporary file and ``os.replace`` (never a half-written file)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def write_points(path: str, points: np.ndarray) -> None:
    """float32 x, y, z, intensity, as KITTI's velodyne files."""
    points = np.ascontiguousarray(points, dtype=np.float32)
    if points.ndim != 2 or points.shape[1] != 4:
        raise ValueError(f'{path}: points must be (N, 4) x, y, z, intensity; got {points.shape}')
    atomic_write_bytes(path, points.tobytes())


def read_points(path: str) -> np.ndarray:
    return np.fromfile(path, dtype=np.float32).reshape(-1, 4)


def write_sample(root: str, idx: int, points: np.ndarray, labels: str, calib: KittiCalib) -> None:
    """One KITTI training sample; the image is blank (the LiDAR is what is simulated)
    but present, as mmdet3d's converter reads its shape."""
    name = f'{idx:06d}'
    base = osp.join(root, 'training')
    write_points(osp.join(base, 'velodyne', name + '.bin'), points)
    atomic_write_bytes(osp.join(base, 'label_2', name + '.txt'), labels.encode())
    atomic_write_bytes(osp.join(base, 'calib', name + '.txt'), calib.lines().encode())
    ok, png = cv2.imencode('.png', np.zeros(IMAGE_SHAPE, dtype=np.uint8))
    if not ok:
        raise OSError(f'could not encode the image of sample {name}')
    atomic_write_bytes(osp.join(base, 'image_2', name + '.png'), png.tobytes())
