"""The small SAM teacher config trains on mmengine's Runner and is evaluated by prompt mIoU."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmkd.datasets.embedded import generate_detection
from mmkd.models.sam import build_sam, load_sam_checkpoint
from helpers import ROOT

TEACHER_CONFIG = osp.join(ROOT, 'configs', 'sam', 'sam-vit-t128_adam-8e_shapes-coco.py')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return generate_detection(str(tmp_path_factory.mktemp('shapes_coco')), seed=0, num_train=8, num_val=4)


def test_teacher_config_trains_and_validates(data_root, tmp_path, short_run, run_outputs):
    cfg = short_run(TEACHER_CONFIG, data_root, tmp_path)
    runner = Runner.from_cfg(cfg)
    outputs = run_outputs
    runner.register_hook(outputs)
    before = {k: v.clone() for k, v in runner.model.sam.state_dict().items()}
    runner.train()

    assert len(outputs.losses) == 2
    for losses in outputs.losses:
        assert {'loss_focal', 'loss_dice', 'loss_iou'} <= set(losses)
        assert not any(k in losses for k in ('loss_embedding', 'loss_token', 'loss_output'))
        assert all(torch.isfinite(torch.tensor(v)) for v in losses.values())
    after = runner.model.sam.state_dict()
    assert any(not torch.equal(after[k], v) for k, v in before.items() if v.is_floating_point())
    # mmengine's ValLoop ran predict mode into PromptMIoU
    keys = [f'prompt/{kind}_mIoU' for kind in ('point', 'clicks3', 'clicks5', 'box')]  # the config's evaluator
    assert set(outputs.metrics) >= set(keys)
    assert all(0 <= outputs.metrics[k] <= 100 for k in keys)

    # the checkpoint's `sam.` keys are a plain segment_anything Sam, loaded strictly
    sam = build_sam(**{k: v for k, v in Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'models', 'sam_vit-t128.py')).model.items() if k != 'type'})
    load_sam_checkpoint(sam, str(tmp_path / 'iter_2.pth'), prefix='sam.')
    assert all(torch.equal(sam.state_dict()[k], v) for k, v in after.items())
