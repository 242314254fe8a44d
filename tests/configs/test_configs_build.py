"""Every runnable config parses and its model builds (no data, no checkpoints needed)."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

pytest.importorskip('mmdet')
pytest.importorskip('mmseg')

from mmkd.registry import MODELS  # noqa: E402
from helpers import ROOT  # noqa: E402

# configs/oadp need CLIP text embeddings (an artifact of configs/clip): built with generated
# ones in tests/configs/test_oadp_configs.py
CONFIGS = sorted(p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p and osp.basename(osp.dirname(p)) != 'oadp')


def test_there_are_configs():
    assert len(CONFIGS) >= 10


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, osp.join(ROOT, 'configs')))
def test_config_builds(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    if 'teacher' in cfg.model:
        cfg.model.teacher.ckpt = None
    for spec in cfg.model.get('teachers', {}).values():
        spec.ckpt = None
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) > 0
    if 'teacher' in cfg.model:
        # distillation: only student and connectors train
        assert all(not p.requires_grad for p in model.teacher.parameters())
        # (task-agnostic feature distillation, e.g. GKD stage 1, has no evaluation)
        assert cfg.get('val_cfg') is None or cfg.val_cfg.type == 'mmkd.DistillValLoop'
    for split in ('train', 'val', 'test'):
        assert f'{split}_dataloader' in cfg
    with torch.no_grad():
        model.eval()
