"""A second point set of the same sample, augmented with the same random draw.

Some teachers see another version of the student's frame: an X-Ray teacher
the object-complete frame (every object with the points of all its views),
a dense-LiDAR teacher a sweep of another sensor. The student's frame and the
teacher's must stay aligned through augmentation, or the teacher's features
describe a different scene than the student's. Three transforms do it
without touching mmdet3d's augmentations:

* :class:`LoadPairedPoints` reads the paired file (same sample name, another
  folder) into ``results[key]`` right after the raw points are loaded;
* :class:`ReplayPointsAugmentation`, placed after the augmentations, applies
  to ``results[key]`` exactly what they did to ``results['points']``: the
  flow they recorded (``transformation_3d_flow`` with ``pcd_rotation``,
  ``pcd_scale_factor``, ``pcd_trans``, ``pcd_horizontal_flip`` /
  ``pcd_vertical_flip``), replayed by mmdet3d's ``apply_3d_transformation``;
* :class:`PackPairedPoints`, wrapping ``Pack3DDetInputs``, puts the paired
  points on the data sample (field ``key``), where a teacher input
  (``mmkd.PairedPointsInput``) picks them up.
"""
from __future__ import annotations

import os.path as osp
from typing import List, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.fileio import get

from mmkd.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadPairedPoints(BaseTransform):
    """Args:
        folder: folder of the paired files. Relative: a sibling of the raw
            points' folder (``'velodyne_complete'`` next to ``.../velodyne``),
            so one config serves every ``data_root``; absolute: used as is.
        key: where the points go in ``results``.
        load_dim, use_dim: as mmdet3d's ``LoadPointsFromFile``.
    """

    def __init__(self, folder: str, key: str = 'paired_points', load_dim: int = 4,
                 use_dim: Union[int, List[int]] = 4) -> None:
        self.folder, self.key, self.load_dim = folder, key, load_dim
        self.use_dim = list(range(use_dim)) if isinstance(use_dim, int) else list(use_dim)

    def paired_path(self, lidar_path: str) -> str:
        folder = self.folder if osp.isabs(self.folder) else osp.join(osp.dirname(osp.dirname(lidar_path)),
                                                                     self.folder)
        return osp.join(folder, osp.basename(lidar_path))

    def transform(self, results: dict) -> dict:
        from mmdet3d.structures import LiDARPoints
        if 'lidar_points' not in results:
            raise KeyError("LoadPairedPoints: results have no 'lidar_points' (put it after LoadPointsFromFile "
                           'in a LiDAR dataset pipeline)')
        path = self.paired_path(results['lidar_points']['lidar_path'])
        try:
            points = np.frombuffer(get(path), dtype=np.float32)
        except FileNotFoundError as err:
            raise FileNotFoundError(f'LoadPairedPoints: no paired point file {path} for sample '
                                    f"{results['lidar_points']['lidar_path']}") from err
        points = points.reshape(-1, self.load_dim)[:, self.use_dim]
        results[self.key] = LiDARPoints(points.copy(), points_dim=points.shape[-1])
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(folder={self.folder!r}, key={self.key!r})'


@TRANSFORMS.register_module()
class ReplayPointsAugmentation(BaseTransform):
    """Apply the recorded global augmentation of ``results['points']`` to ``results[key]``."""

    def __init__(self, key: str = 'paired_points') -> None:
        self.key = key

    def transform(self, results: dict) -> dict:
        from mmdet3d.models.layers.fusion_layers.coord_transform import apply_3d_transformation
        if self.key not in results:
            raise KeyError(f'ReplayPointsAugmentation: results have no {self.key!r} (load it with '
                           'LoadPairedPoints before the augmentations)')
        points = results[self.key]
        moved = apply_3d_transformation(points.tensor[:, :3], 'LIDAR', results)
        tensor = points.tensor.clone()
        tensor[:, :3] = moved
        results[self.key] = points.new_point(tensor)
        return results


@TRANSFORMS.register_module()
class PackPairedPoints(BaseTransform):
    """Pack the sample with ``pack`` (e.g. ``dict(type='mmdet3d.Pack3DDetInputs', keys=[...])``),
    then put ``results[key]`` on the data sample as a tensor field ``key``.

    A wrapper rather than a step after the packing: packing returns a new
    dict holding only ``inputs`` and ``data_samples``.
    """

    def __init__(self, pack: dict, key: str = 'paired_points') -> None:
        self.pack = TRANSFORMS.build(pack)
        self.key = key

    def transform(self, results: dict) -> dict:
        if self.key not in results:
            raise KeyError(f'PackPairedPoints: results have no {self.key!r} (see LoadPairedPoints)')
        points = results[self.key]
        packed = self.pack(results)
        tensor = points.tensor if hasattr(points, 'tensor') else torch.as_tensor(points)
        packed['data_samples'].set_field(tensor, self.key)
        return packed
