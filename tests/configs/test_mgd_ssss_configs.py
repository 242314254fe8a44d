"""MGD-SSSS configs: the main embedded config trains two iterations; the real Cityscapes ones run a step.

The embedded run goes through mmengine's Runner exactly as ``tools/train.py``
builds it, on a tiny generated set with its split files and random teachers
(wiring, not accuracy): every loss is finite, the student learns, the
teachers neither change nor hold gradients.
"""
import glob
import os.path as osp

import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.model import revert_sync_batchnorm  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmengine.structures import PixelData  # noqa: E402
from mmseg.structures import SegDataSample  # noqa: E402

from mmkd.datasets import generate_segmentation, write_semi_splits  # noqa: E402
from mmkd.registry import MODELS  # noqa: E402

from helpers import ROOT  # noqa: E402
CONFIG_DIR = osp.join(ROOT, 'configs', 'mgd_ssss')
MAIN = osp.join(CONFIG_DIR, 'mgd-ssss_img-reg-pix_deeplabv3plus-r18-w16-r101-w8_deeplabv3plus-r18-w8_'
                            'adamw-500i_shapes-cityscapes-1-16.py')
REAL = sorted(glob.glob(osp.join(CONFIG_DIR, '*_cityscapes-1-16.py')))


class LossRecorder(Hook):
    def __init__(self):
        self.outputs, self.before = [], {}

    def before_train(self, runner):
        self.before = {k: v.clone() for k, v in runner.model.state_dict().items()}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.outputs.append({k: float(torch.as_tensor(v).detach()) for k, v in outputs.items()})


@pytest.mark.slow
def test_main_config_trains_two_iterations(tmp_path):
    data_root = str(tmp_path / 'shapes_cityscapes')
    generate_segmentation(data_root, seed=0, num_train=6, num_val=2)
    write_semi_splits(data_root, (16,), seed=0)
    cfg = Config.fromfile(MAIN)
    for spec in cfg.model.teachers.values():
        spec.ckpt = None
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=100)
    cfg.param_scheduler = []
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = []
    for split in ('val', 'test'):
        cfg[f'{split}_dataloader'] = cfg[f'{split}_cfg'] = cfg[f'{split}_evaluator'] = None
    for part in ('labeled', 'unlabeled'):
        cfg.train_dataloader.dataset[part].data_root = data_root
    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    runner = Runner.from_cfg(cfg)
    recorder = LossRecorder()
    runner.register_hook(recorder)
    runner.train()
    model = runner.model
    assert len(recorder.outputs) == 2
    expected = {'distill.loss_pixel_labeled_wide', 'distill.loss_pixel_unlabeled_wide', 'distill.loss_image',
                'distill.loss_pixel_labeled_deep', 'distill.loss_pixel_unlabeled_deep', 'distill.loss_region'}
    for out in recorder.outputs:
        assert expected <= set(out), out
        assert all(torch.isfinite(torch.tensor(v)) for v in out.values()), out
    state = model.state_dict()
    assert all(torch.equal(v, recorder.before[k]) for k, v in state.items() if k.startswith('teachers.'))
    assert any(not torch.equal(v, recorder.before[k]) for k, v in state.items()
               if k.startswith('student.') and v.is_floating_point())
    assert all(p.grad is None for p in model.teachers.parameters())


def seg_samples(n, labeled):
    out = []
    for _ in range(n):
        sample = SegDataSample(metainfo=dict(img_shape=(32, 64), ori_shape=(32, 64)))
        if labeled:
            labels = torch.zeros(1, 32, 64, dtype=torch.long)
            labels[:, 10:20, 15:30] = 13
            sample.gt_sem_seg = PixelData(data=labels)
        out.append(sample)
    return out


def test_real_cityscapes_configs_exist():
    names = [osp.basename(p) for p in REAL]
    assert any('wrn34-2-r101_deeplabv3plus-r18_' in n for n in names)
    assert any('wrn34-2-r101_deeplabv3plus-mbv2_' in n for n in names)


@pytest.mark.slow
@pytest.mark.parametrize('path', REAL, ids=osp.basename)
def test_real_cityscapes_config_builds_and_runs_a_step(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    assert all(spec.ckpt.startswith('checkpoints/') for spec in cfg.model.teachers.values())
    for spec in cfg.model.teachers.values():
        spec.ckpt = None
    model = revert_sync_batchnorm(MODELS.build(cfg.model))  # SyncBN needs a process group
    model.train()
    model.data_preprocessor.size, model.data_preprocessor.size_divisor = None, 8
    images = [torch.rand(3, 32, 64) * 255 for _ in range(2)]
    data = dict(inputs=images, data_samples=seg_samples(2, True),
                unlabeled=[dict(inputs=images[::-1], data_samples=seg_samples(2, False))] * 2)
    data = model.data_preprocessor(data, training=True)
    losses = model(**data, mode='loss')
    distill = {k: v for k, v in losses.items() if k.startswith('distill.')}
    assert len(distill) == 6 and all(torch.isfinite(v).all() for v in distill.values())
    total, _ = model.parse_losses(losses)
    total.backward()
    assert all(p.grad is None for p in model.teachers.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.student.parameters())
