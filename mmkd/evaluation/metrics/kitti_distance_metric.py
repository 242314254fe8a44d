"""mmdet3d's KITTI evaluation plus BEV AP by distance band, as one registered metric.

``tools/test.py`` and validation print mmdet3d's ``KittiMetric`` (BEV and 3D
AP for every class and difficulty, AP11 and AP40; the moderate columns are
the usual headline) and, from the same predictions, the BEV AP40 of each
class per distance band (``mmkd.evaluation.metrics.distance_band_ap``).
Band APs count every labelled object of the class in the band (no KITTI
difficulty filter: far objects are exactly the ones the difficulty levels
drop) and the predictions whose centre projects into the labelled camera's
field of view, as KITTI only labels that view. On a machine without CUDA, mmdet3d's
KITTI overlaps run on mmcv's CPU op (``kitti_cpu_iou``).
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.fileio import load

from mmkd.registry import METRICS
from .distance_band_ap import band_ap
from .kitti_cpu_iou import use_cpu_rotated_iou_without_cuda

IOU_THRESHOLDS = {'Car': 0.7, 'Pedestrian': 0.5, 'Cyclist': 0.5}


@METRICS.register_module()
class KittiDistanceMetric(BaseMetric):
    """Args:
        ann_file: the v2 KITTI info file of the evaluated split.
        bands: ``[(lo, hi), ...]`` metres; ``None`` as ``hi`` = no upper bound.
        iou_thresholds: BEV IoU per class name (KITTI's: car 0.7, others 0.5).
        kitti: extra arguments of mmdet3d's ``KittiMetric`` (e.g. ``pcd_limit_range``);
            ``kitti=None`` skips it (band APs only).
    """
    default_prefix = 'Kitti metric'

    def __init__(self, ann_file: str, bands: Sequence[Tuple[float, Optional[float]]] = ((0, 20), (20, 40), (40, None)),
                 iou_thresholds: Optional[Dict[str, float]] = None, kitti: Optional[dict] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ann_file = ann_file
        self.bands = [(float(lo), math.inf if hi is None else float(hi)) for lo, hi in bands]
        self.iou_thresholds = dict(IOU_THRESHOLDS, **(iou_thresholds or {}))
        self.kitti = None
        if kitti is not None:
            from mmdet3d.evaluation import KittiMetric
            use_cpu_rotated_iou_without_cuda()  # mmdet3d's KITTI overlaps are a CUDA kernel
            self.kitti = KittiMetric(ann_file=ann_file, collect_device=collect_device, **kitti)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample['pred_instances_3d']
            self.results.append(dict(
                sample_idx=sample['sample_idx'],
                # copies: KittiMetric edits its prediction tensors in place (yaw limits)
                boxes=pred['bboxes_3d'].tensor.detach().cpu().numpy()[:, :7].copy(),
                scores=pred['scores_3d'].detach().cpu().numpy().copy(),
                labels=pred['labels_3d'].detach().cpu().numpy().copy(),
                # KittiMetric's own record of the sample
                kitti=dict(pred_instances_3d={k: v.to('cpu') for k, v in pred.items()},
                           pred_instances={k: v.to('cpu') for k, v in sample.get('pred_instances', {}).items()},
                           sample_idx=sample['sample_idx'])))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        metrics: Dict[str, float] = {}
        if self.kitti is not None:
            self.kitti.dataset_meta = self.dataset_meta
            metrics.update(self.kitti.compute_metrics([r['kitti'] for r in results]))
        metrics.update(self.band_metrics(results))
        return metrics

    def band_metrics(self, results: List[dict]) -> Dict[str, float]:
        from mmdet3d.structures import Box3DMode, CameraInstance3DBoxes
        infos = load(self.ann_file)
        id_to_name = {v: k for k, v in infos['metainfo']['categories'].items()}
        classes = list(self.dataset_meta['classes'])
        frames = {name: [] for name in classes}
        for result in results:
            info = infos['data_list'][result['sample_idx']]
            cam2 = info['images']['CAM2']
            lidar2cam = np.array(cam2['lidar2cam'], dtype=np.float32)
            instances = [inst for inst in info['instances'] if id_to_name.get(inst['bbox_label_3d']) in classes]
            cam = np.array([inst['bbox_3d'] for inst in instances], dtype=np.float32).reshape(-1, 7)
            gt = CameraInstance3DBoxes(cam).convert_to(Box3DMode.LIDAR, np.linalg.inv(lidar2cam)).tensor.numpy()
            gt_names = np.array([id_to_name[inst['bbox_label_3d']] for inst in instances])
            boxes, scores, labels = result['boxes'], result['scores'], result['labels']
            centres = boxes[:, :3] + np.array([0.0, 0.0, 0.5]) * boxes[:, 5:6]   # z is the bottom
            visible = in_image(centres, np.array(cam2['lidar2img']), cam2.get('width'))
            for c, name in enumerate(classes):
                keep = visible & (labels == c)
                frames[name].append((boxes[keep], scores[keep], gt[gt_names == name]))
        out = {}
        for name in classes:
            for lo, hi in self.bands:
                band = f'{lo:g}-{hi:g}m' if math.isfinite(hi) else f'>{lo:g}m'
                out[f'{name}_BEV_AP40_{band}'] = 100 * band_ap(frames[name], (lo, hi),
                                                              self.iou_thresholds.get(name, 0.5))
        return out


def in_image(centers: np.ndarray, lidar2img: np.ndarray, width: Optional[int]) -> np.ndarray:
    """Which LiDAR points project into the image's columns, in front of the camera
    (the camera's horizontal field of view; rows are not checked)."""
    if len(centers) == 0 or width is None:
        return np.ones(len(centers), dtype=bool)
    homo = np.concatenate([centers, np.ones((len(centers), 1))], axis=1) @ lidar2img.T
    depth = homo[:, 2]
    u = homo[:, 0] / np.maximum(depth, 1e-6)
    return (depth > 0) & (u >= 0) & (u < width)
