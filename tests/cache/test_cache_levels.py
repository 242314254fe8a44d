"""teacher_cache.levels: a cache that stores only the FPN levels the distiller reads."""
import copy
import os

import pytest
import torch

pytest.importorskip('mmdet')

from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmkd.cache import CacheMismatchError, extract_teacher_features  # noqa: E402
from mmkd.cache.fingerprint import dataset_pipeline  # noqa: E402
from mmkd.datasets import generate_detection, set_data_root  # noqa: E402
from mmkd.models.builder import build_model  # noqa: E402
from mmkd.registry import MODELS  # noqa: E402
from helpers import ROOT  # noqa: E402

CACHED_CFG = os.path.join(ROOT, 'configs/cwd/cwd_fpn-cached_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_'
                                'shapes-coco.py')
CWD = dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=10.0)


def per_level(levels):
    """CWD on each of ``levels`` separately: every loss input reads one FPN level."""
    return dict(losses={f'loss_cwd{i}': CWD for i in levels},
                loss_inputs={f'loss_cwd{i}': dict(preds_S=('student', 'fpn', i), preds_T=('teacher', 'fpn', i))
                             for i in levels})


@pytest.fixture(scope='module')
def cfg(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('levels')
    generate_detection(str(tmp / 'shapes'), seed=0, num_train=4, num_val=2)
    cfg = Config.fromfile(CACHED_CFG)
    set_data_root(cfg, str(tmp / 'shapes'))
    torch.manual_seed(0)
    ckpt = str(tmp / 'teacher.pth')
    torch.save({'state_dict': build_model(cfg.model.teacher, 'teacher').state_dict()}, ckpt)
    cfg.merge_from_dict({'model.teacher.ckpt': ckpt, 'model.teacher_cache.cache_dir': str(tmp / 'cache'),
                         'model.teacher_cache.levels': dict(fpn=[0, 1]), 'model.teacher_cache.on_miss': 'error',
                         'train_dataloader.batch_size': 2, 'train_dataloader.num_workers': 0,
                         'train_dataloader.persistent_workers': False,
                         'train_dataloader.dataset.pipeline.3.prob': 0.0})  # no flip: every draw is cached
    for key, value in per_level([0, 1]).items():  # replace, not merge with, the base's loss_cwd
        cfg.model.distiller[key] = value
    extract_teacher_features(cfg, shard_size=4)
    return cfg


def build(cfg, cached=True, **distiller):
    init_default_scope('mmkd')
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('teacher_partial_forward')
    if not cached:
        model_cfg.pop('teacher_cache')
    for key, value in distiller.items():
        model_cfg.distiller[key] = value
    torch.manual_seed(0)
    algo = MODELS.build(model_cfg)
    algo.init_weights()
    if cached:
        algo.open_teacher_cache(dataset_pipeline(cfg.train_dataloader.dataset))
    return algo.train()


def test_only_the_named_levels_are_stored_and_give_the_live_losses(cfg):
    shard = os.path.join(cfg.model.teacher_cache.cache_dir, 'shard_00000')
    assert sorted(f for f in os.listdir(shard) if f.endswith('.npy')) == ['teacher.fpn.0.npy', 'teacher.fpn.1.npy']
    cached, live = build(cfg), build(cfg, cached=False)
    batch = next(iter(Runner.build_dataloader(copy.deepcopy(cfg.train_dataloader), seed=0)))
    got = cached(**cached.data_preprocessor(batch, True), mode='loss')
    expected = live(**live.data_preprocessor(batch, True), mode='loss')
    assert cached.cached_teacher.batches_cached == 1
    for name in ('distill.loss_cwd0', 'distill.loss_cwd1'):
        torch.testing.assert_close(got[name], expected[name], rtol=1e-5, atol=1e-7)


def test_a_loss_reading_an_unstored_level_or_other_levels_are_refused(cfg):
    with pytest.raises(ValueError, match=r"loss 'loss_cwd2' reads teacher.fpn\[2\].*only levels \[0, 1\]"):
        build(cfg, **per_level([0, 2]))
    with pytest.raises(ValueError, match=r"loss 'loss_cwd' reads teacher.fpn, but"):
        build(cfg, losses=dict(loss_cwd=CWD),
              loss_inputs=dict(loss_cwd=dict(preds_S=('student', 'fpn'), preds_T=('teacher', 'fpn'))))
    other = copy.deepcopy(cfg)
    other.model.teacher_cache.levels = dict(fpn=[0, 1, 2])
    with pytest.raises(CacheMismatchError, match=r"stores levels \[0, 1\] of recorder 'fpn'.*\[0, 1, 2\]"):
        build(other)
    with pytest.raises(ValueError, match=r"levels\['fpn'\] = \[7\].*records 5 tensors"):
        bad = copy.deepcopy(cfg)
        bad.model.teacher_cache.update(levels=dict(fpn=[7]), cache_dir=cfg.model.teacher_cache.cache_dir + '_bad')
        extract_teacher_features(bad)
