"""X-Ray configs: every config builds without data; the X-Ray config trains two iterations.

The training runs through mmengine's Runner as ``tools/train.py`` builds it, on
the tiny generated LiDAR set with random teachers (wiring, not accuracy): the
losses are finite, the student learns, the teacher does not.
"""
import glob
import os.path as osp

import pytest
import torch

pytest.importorskip('mmdet3d')

from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmkd.datasets import set_data_root  # noqa: E402
from mmkd.registry import MODELS  # noqa: E402

from helpers import ROOT  # noqa: E402
XRAY_CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'xray', '*.py')))
XRAY = osp.join(ROOT, 'configs', 'xray',
                'xray_bev-head_pointpillars-s-complete_pointpillars-s_adamw-6e_lidar-kitti.py')


def without_ckpts(model_cfg):
    model_cfg = dict(model_cfg)
    for role in ('student', 'teacher'):
        if role in model_cfg:
            model_cfg[role] = {k: v for k, v in model_cfg[role].items() if k != 'ckpt'}
    return model_cfg


@pytest.mark.parametrize('path', XRAY_CONFIGS, ids=osp.basename)
def test_config_builds_without_data(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    model = MODELS.build(without_ckpts(cfg.model))
    assert sum(p.numel() for p in model.parameters()) > 0
    assert cfg.val_evaluator['type'] == 'mmkd.KittiDistanceMetric'


def test_config_names_follow_the_convention():
    names = [osp.basename(p) for p in XRAY_CONFIGS]
    assert 'xray_bev-head_pointpillars-complete_pointpillars_adamw-80e_kitti.py' in names  # real-data config
    for name in names:
        if name.startswith(('xray_', 'kd_')):
            assert len(name[:-3].split('_')) == 6, name   # method_where_teacher_student_schedule_dataset


class Watch(Hook):
    def __init__(self):
        self.losses, self.teacher, self.student = [], None, None

    def before_train(self, runner):
        self.teacher = {k: v.clone() for k, v in runner.model.teacher.state_dict().items()}
        self.student = {k: v.clone() for k, v in runner.model.student.state_dict().items()}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append({k: float(v) for k, v in outputs.items()})


@pytest.mark.slow
def test_xray_config_trains_two_iterations(tiny_lidar_root, tmp_path):
    cfg = Config.fromfile(XRAY)
    set_data_root(cfg, tiny_lidar_root)
    cfg.model = without_ckpts(cfg.model)
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg.max_epochs = 1          # 3 training frames, batch 2: two iterations
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None   # the KITTI evaluation compiles for ~20 s
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.num_workers, cfg.train_dataloader.persistent_workers = 0, False
    cfg.default_hooks.logger.interval = 1
    runner = Runner.from_cfg(cfg)
    watch = Watch()
    runner.register_hook(watch)
    runner.train()
    assert len(watch.losses) == 2
    for step in watch.losses:
        assert 'distill.loss_bev' in step and 'distill.loss_head' in step
        assert all(torch.isfinite(torch.tensor(v)) for v in step.values())
    model = runner.model
    assert all(torch.equal(v, model.teacher.state_dict()[k]) for k, v in watch.teacher.items())
    assert any(not torch.equal(v, model.student.state_dict()[k]) for k, v in watch.student.items()
               if v.is_floating_point())
