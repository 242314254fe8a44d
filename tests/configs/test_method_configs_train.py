"""Every distillation config on the embedded sets trains for two iterations.

Each config runs through mmengine's Runner exactly as ``tools/train.py`` would
build it, on a tiny generated set with a random teacher (this checks the wiring,
not accuracy): the task and distillation losses are finite, the student learns,
the teacher does not.
"""
import glob
import os.path as osp

import pytest
import torch

pytest.importorskip('mmdet')
pytest.importorskip('mmseg')

from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmkd.datasets.embedded import generate_detection, generate_segmentation  # noqa: E402
from helpers import ROOT  # noqa: E402

DISTILL_CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '*', '*.py'))
    if 'shapes' in osp.basename(p) and osp.basename(osp.dirname(p)) not in ('detection', 'segmentation')
    and any(model in osp.basename(p) for model in ('retinanet', 'faster-rcnn', 'deeplabv3'))
    and '-cached_' not in osp.basename(p)  # need an extracted cache: tests/tools/test_teacher_cache_end_to_end.py
    and osp.basename(osp.dirname(p)) != 'oadp'  # an OAKE cache and text embeddings: tests/configs/test_oadp_configs.py
    and osp.basename(osp.dirname(p)) != 'mgd_ssss')  # split files, two teachers: tests/configs/test_mgd_ssss_configs.py

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def data_roots(tmp_path_factory):
    det = str(tmp_path_factory.mktemp('shapes_coco'))
    generate_detection(det, seed=0, num_train=4, num_val=2)
    seg = str(tmp_path_factory.mktemp('shapes_cityscapes'))
    generate_segmentation(seg, seed=0, num_train=4, num_val=2)
    return dict(det=det, seg=seg)


class LossRecorder(Hook):
    """Keeps each iteration's losses, and the weights as training starts (after init_weights)."""

    def __init__(self):
        self.outputs = []
        self.teacher_before = self.student_before = None

    def before_train(self, runner):
        model = runner.model
        self.teacher_before = {k: v.clone() for k, v in model.teacher.state_dict().items()}
        self.student_before = {k: v.clone() for k, v in model.student.state_dict().items()}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.outputs.append({k: float(v) for k, v in outputs.items()})


def test_every_method_has_detection_and_segmentation_configs():
    names = [osp.relpath(p, osp.join(ROOT, 'configs')) for p in DISTILL_CONFIGS]
    for method in ('mgd', 'fgd', 'acam_kd'):
        assert any(n.startswith(method + '/') and 'retinanet' in n for n in names), method
        assert any(n.startswith(method + '/') and 'deeplabv3' in n for n in names), method
    for method in ('mgd', 'acam_kd'):  # two-stage detector pairs
        assert any(n.startswith(method + '/') and 'faster-rcnn' in n for n in names), method


@pytest.mark.parametrize('path', DISTILL_CONFIGS, ids=lambda p: osp.relpath(p, osp.join(ROOT, 'configs')))
def test_config_trains_two_iterations(path, data_roots, tmp_path):
    cfg = Config.fromfile(path)
    data_root = data_roots['seg' if 'cityscapes' in osp.basename(path) else 'det']
    cfg.model.teacher.ckpt = None
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=100)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = []
    for split in ('val', 'test'):
        cfg[f'{split}_dataloader'] = cfg[f'{split}_cfg'] = cfg[f'{split}_evaluator'] = None
    cfg.train_dataloader.dataset.data_root = data_root
    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    runner = Runner.from_cfg(cfg)
    recorder = LossRecorder()
    runner.register_hook(recorder)
    model = runner.model
    runner.train()
    assert len(recorder.outputs) == 2
    for out in recorder.outputs:
        assert any(k.startswith('distill.') for k in out), out
        assert all(torch.isfinite(torch.tensor(v)) for v in out.values()), out
    assert all(torch.equal(v, recorder.teacher_before[k]) for k, v in model.teacher.state_dict().items())
    assert any(not torch.equal(v, recorder.student_before[k]) for k, v in model.student.state_dict().items()
               if v.is_floating_point())
