"""The cache on a real RetinaNet pair and the real shapes pipeline (random flips), via the config API."""
import copy
import os.path as osp

import pytest
import torch

pytest.importorskip('mmdet')

from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmengine.runner.utils import set_random_seed  # noqa: E402

from mmkd.cache import CacheMismatchError, extract_teacher_features  # noqa: E402
from mmkd.cache.fingerprint import dataset_pipeline  # noqa: E402
from mmkd.datasets import generate_detection, set_data_root  # noqa: E402
from mmkd.models.builder import build_model  # noqa: E402
from mmkd.registry import MODELS  # noqa: E402
from helpers import ROOT  # noqa: E402

CACHED_CFG = osp.join(ROOT, 'configs/cwd/cwd_fpn-cached_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py')


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('retina_cache')
    data_root = str(tmp / 'shapes')
    generate_detection(data_root, seed=0, num_train=6, num_val=2)
    cfg = Config.fromfile(CACHED_CFG)
    set_data_root(cfg, data_root)
    teacher_ckpt = str(tmp / 'teacher.pth')
    torch.manual_seed(0)
    torch.save({'state_dict': build_model(cfg.model.teacher, 'teacher').state_dict()}, teacher_ckpt)
    cfg.merge_from_dict({'model.teacher.ckpt': teacher_ckpt, 'model.teacher_cache.cache_dir': str(tmp / 'cache'),
                         'train_dataloader.batch_size': 2, 'train_dataloader.num_workers': 0,
                         'train_dataloader.persistent_workers': False})
    extract_teacher_features(cfg, passes=4, shard_size=4)
    return cfg


def build(cfg, **model_options):
    init_default_scope('mmkd')
    model_cfg = copy.deepcopy(cfg.model)
    for key in ('teacher_cache', 'teacher_partial_forward'):
        model_cfg.pop(key)
    model_cfg.update(model_options)
    torch.manual_seed(0)
    algo = MODELS.build(model_cfg)
    algo.init_weights()
    return algo.train()


def total_distill(losses):
    return losses['distill.loss_cwd']


def test_cached_retinanet_losses_equal_live_ones_and_flips_read_their_variant(setup):
    cfg = setup
    live = build(cfg)
    cached = build(cfg, teacher_cache=dict(cache_dir=cfg.model.teacher_cache.cache_dir, on_miss='teacher'))
    cached.open_teacher_cache(dataset_pipeline(cfg.train_dataloader.dataset))
    calls = []
    cached.teacher.backbone.register_forward_pre_hook(lambda *_: calls.append(1))
    set_random_seed(123)  # training draws its own flips
    loader = Runner.build_dataloader(copy.deepcopy(cfg.train_dataloader), seed=123)
    flips_from_cache = 0
    for _ in range(2):  # two epochs: six batches
        for batch in loader:
            data = live.data_preprocessor(batch, True)
            keys = cached.cached_teacher.cache.keys_for(data['data_samples'])
            all_cached = all(k in cached.cached_teacher.cache for k in keys)
            before = len(calls)
            expected, got = live(**data, mode='loss'), cached(**data, mode='loss')
            assert torch.allclose(total_distill(got), total_distill(expected), rtol=1e-4, atol=1e-6)
            assert torch.equal(got['loss_cls'][0], expected['loss_cls'][0])  # student untouched
            assert len(calls) == before + (0 if all_cached else 1)
            if all_cached:
                flips_from_cache += sum(bool(s.metainfo['flip']) for s in data['data_samples'])
    assert cached.cached_teacher.batches_cached >= 3 and flips_from_cache >= 1


def test_cache_is_refused_under_another_pipeline_or_teacher(setup):
    cfg = setup
    cache_cfg = dict(cache_dir=cfg.model.teacher_cache.cache_dir)
    pipeline = copy.deepcopy(dataset_pipeline(cfg.train_dataloader.dataset))
    pipeline[2]['scale'] = (96, 96)
    with pytest.raises(CacheMismatchError, match='different pipeline'):
        build(cfg, teacher_cache=cache_cfg).open_teacher_cache(pipeline)
    other = build(cfg, teacher_cache=cache_cfg)
    with torch.no_grad():
        other.teacher.neck.fpn_convs[0].conv.bias.add_(1.0)
    with pytest.raises(CacheMismatchError, match='different teacher.teacher'):
        other.open_teacher_cache(dataset_pipeline(cfg.train_dataloader.dataset))


def test_extraction_refuses_augmentations_the_key_cannot_see(setup, tmp_path):
    cfg = copy.deepcopy(setup)
    cfg.train_dataloader.dataset.pipeline.insert(3, dict(type='mmdet.PhotoMetricDistortion'))
    with pytest.raises(ValueError, match='PhotoMetricDistortion.*--allow-unrecorded-augmentation'):
        extract_teacher_features(cfg, str(tmp_path / 'c'))
