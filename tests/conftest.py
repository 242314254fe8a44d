"""Shared test fixtures: a tiny registered model that needs no mmdet/mmseg."""
import os
import sys

import pytest
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import mmkd  # noqa: E402,F401
from mmkd.registry import MODELS  # noqa: E402


@MODELS.register_module(force=True)
class ToyNet(BaseModel):
    """conv stem -> conv block -> global pool -> linear; labels are the data samples."""

    def __init__(self, width: int = 8, num_classes: int = 3, data_preprocessor=None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU())
        self.neck = nn.Conv2d(width, width, 3, padding=1)
        self.head = nn.Linear(width, num_classes)

    def _forward(self, inputs):
        feat = self.neck(self.backbone(inputs))
        return self.head(feat.mean((2, 3)))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        logits = self._forward(inputs)
        if mode == 'loss':
            return dict(loss_cls=F.cross_entropy(logits, torch.as_tensor(data_samples)))
        if mode == 'predict':
            return logits.argmax(1)
        return logits


@pytest.fixture
def toy_batch():
    g = torch.Generator().manual_seed(0)
    return torch.randn(4, 3, 8, 8, generator=g), torch.tensor([0, 1, 2, 1])


def short_run_cfg(path, data_root, work_dir, iters=2):
    """The config at ``path`` as tools/train.py builds it, shortened to ``iters`` iterations
    (batch 2, no workers) on the data at ``data_root``, validated and checkpointed at the end."""
    from mmengine.config import Config
    cfg = Config.fromfile(path)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters, by_epoch=False)
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor = dict(by_epoch=False)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = str(data_root)
        cfg[f'{split}_dataloader'].update(batch_size=2, num_workers=0, persistent_workers=False)
    return cfg


@pytest.fixture
def short_run():
    """:func:`short_run_cfg`, for tests that train a project config for a few iterations."""
    return short_run_cfg


@pytest.fixture
def run_outputs():
    """A hook keeping each training iteration's logged losses and the last validation metrics."""
    from mmengine.hooks import Hook

    class RunOutputs(Hook):
        def __init__(self):
            self.losses, self.metrics = [], None

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            self.losses.append({k: float(torch.as_tensor(v).detach()) for k, v in outputs.items()})

        def after_val_epoch(self, runner, metrics=None):
            self.metrics = metrics

    return RunOutputs()
