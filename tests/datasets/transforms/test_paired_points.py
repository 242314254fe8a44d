"""Paired point sets go through the augmentation with the same random draw."""
import os.path as osp
import shutil

import numpy as np
import pytest

pytest.importorskip('mmdet3d')

from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmkd.registry import DATASETS  # noqa: E402

from helpers import ROOT  # noqa: E402
DATASET_CFG = osp.join(ROOT, 'configs', '_base_', 'datasets', 'lidar_kitti-3class.py')


def paired_dataset(root, folder):
    cfg = Config.fromfile(DATASET_CFG)
    pipeline = [dict(t) for t in cfg.paired_train_pipeline if 'PointShuffle' not in t['type']]
    for t in pipeline:
        if t['type'] == 'mmkd.LoadPairedPoints':
            t['folder'] = folder
        if t['type'] == 'mmdet3d.GlobalRotScaleTrans':
            t['translation_std'] = [1.0, 1.0, 0.5]  # a visible translation
    ds = dict(cfg.train_dataloader.dataset, data_root=root, pipeline=pipeline)
    init_default_scope('mmkd')
    return DATASETS.build(ds)


def test_identical_files_stay_identical_through_random_augmentation(tiny_lidar_root, tmp_path):
    # a paired folder holding exact copies of the raw sweeps: after the same draw they must agree
    # point for point (the raw set is range-filtered, so compare the raw points against the copy's)
    copy = str(tmp_path / 'velodyne_copy')
    shutil.copytree(osp.join(tiny_lidar_root, 'training', 'velodyne'), copy)
    dataset = paired_dataset(tiny_lidar_root, copy)
    flows = set()
    for i in range(6):
        sample = dataset[i % len(dataset)]
        raw = sample['inputs']['points'].numpy()
        paired = sample['data_samples'].paired_points.numpy()
        meta = sample['data_samples'].metainfo
        flows.add((tuple(meta['transformation_3d_flow']), bool(meta['pcd_horizontal_flip'])))
        assert meta['pcd_rotation_angle'] != 0 and meta['pcd_scale_factor'] != 1
        paired_rows = {tuple(np.round(p, 4)) for p in paired}
        assert len(raw) > 100 and all(tuple(np.round(p, 4)) in paired_rows for p in raw)
    assert len(flows) >= 1


def test_paired_points_follow_the_recorded_augmentation(tiny_lidar_root):
    dataset = paired_dataset(tiny_lidar_root, 'velodyne_complete')
    sample = dataset[1]
    meta = sample['data_samples'].metainfo
    name = osp.basename(meta['lidar_path'])
    complete = np.fromfile(osp.join(tiny_lidar_root, 'training', 'velodyne_complete', name),
                           dtype=np.float32).reshape(-1, 4)
    # replay the recorded parameters by hand: flip y, rotate (points @ rot_T), scale, translate
    xyz = complete[:, :3].astype(np.float64)
    assert meta['transformation_3d_flow'] == (['HF'] if meta['pcd_horizontal_flip'] else []) + ['R', 'S', 'T']
    if meta['pcd_horizontal_flip']:
        xyz[:, 1] = -xyz[:, 1]
    xyz = (xyz @ np.asarray(meta['pcd_rotation'], dtype=np.float64)) * meta['pcd_scale_factor'] + meta['pcd_trans']
    assert np.abs(sample['data_samples'].paired_points.numpy()[:, :3] - xyz).max() < 1e-3


def test_missing_paired_file_names_the_path(tiny_lidar_root):
    dataset = paired_dataset(tiny_lidar_root, 'velodyne_missing')
    with pytest.raises(FileNotFoundError, match='velodyne_missing'):
        dataset[0]
