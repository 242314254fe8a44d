"""X-Ray wiring: the teacher runs on the paired (object-complete) sweep, the student on the raw one."""
import os.path as osp

import numpy as np
import pytest
import torch
from scipy.spatial import cKDTree

pytest.importorskip('mmdet3d')

from mmengine.config import Config  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmkd.models.algorithms import PairedPointsInput  # noqa: E402
from mmkd.registry import DATASETS, MODELS  # noqa: E402

from helpers import ROOT  # noqa: E402
XRAY = osp.join(ROOT, 'configs', 'xray',
                'xray_bev-head_pointpillars-s-complete_pointpillars-s_adamw-6e_lidar-kitti.py')


def hand_replay(points, meta):
    xyz = points[:, :3].astype(np.float64)
    if meta['pcd_horizontal_flip']:
        xyz[:, 1] = -xyz[:, 1]
    return (xyz @ np.asarray(meta['pcd_rotation'], np.float64)) * meta['pcd_scale_factor'] + meta['pcd_trans']


def test_teacher_sees_complete_student_sees_raw_same_draw(tiny_lidar_root):
    cfg = Config.fromfile(XRAY)
    init_default_scope('mmkd')
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=tiny_lidar_root))
    model_cfg = dict(cfg.model)
    for role in ('student', 'teacher'):
        model_cfg[role] = {k: v for k, v in model_cfg[role].items() if k != 'ckpt'}  # random weights
    model = MODELS.build(model_cfg)
    model.train()
    seen = {}

    def record(name):
        def hook(module, args, kwargs):
            seen[name] = [p.clone() for p in args[0]['points']]
        return hook

    model.teacher.register_forward_pre_hook(record('teacher'), with_kwargs=True)
    model.student.register_forward_pre_hook(record('student'), with_kwargs=True)
    batch = model.data_preprocessor(pseudo_collate([dataset[0], dataset[2]]), training=True)
    losses = model(**batch, mode='loss')
    total, _ = model.parse_losses(losses)
    total.backward()

    for i, sample in enumerate(batch['data_samples']):
        meta = sample.metainfo
        name = osp.basename(meta['lidar_path'])
        raw = np.fromfile(osp.join(tiny_lidar_root, 'training', 'velodyne', name), np.float32).reshape(-1, 4)
        complete = np.fromfile(osp.join(tiny_lidar_root, 'training', 'velodyne_complete', name),
                               np.float32).reshape(-1, 4)
        assert len(complete) > len(raw)
        teacher_xyz = seen['teacher'][i][:, :3].numpy()
        assert np.abs(teacher_xyz - hand_replay(complete, meta)).max() < 1e-3
        # the student's points: the raw sweep under the same draw (range-filtered and shuffled)
        student_xyz = seen['student'][i][:, :3].numpy()
        assert len(student_xyz) > 50
        distance, _ = cKDTree(hand_replay(raw, meta)).query(student_xyz)
        assert distance.max() < 1e-3
    assert 'distill.loss_bev' in losses and 'distill.loss_head' in losses
    assert all(torch.isfinite(v).all() for k, v in losses.items() if 'loss' in k and torch.is_tensor(v))
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.student.parameters())


def test_paired_points_input_errors():
    from mmdet3d.structures import Det3DDataSample
    with pytest.raises(KeyError, match='paired_points'):
        PairedPointsInput()(dict(points=[torch.zeros(3, 4)]), [Det3DDataSample()], torch.nn.Linear(1, 1))
    sample = Det3DDataSample()
    sample.set_field(torch.zeros(3, 4), 'paired_points')
    with pytest.raises(TypeError, match='voxelising data preprocessor'):
        PairedPointsInput()(dict(points=[torch.zeros(3, 4)]), [sample], torch.nn.Linear(1, 1))
