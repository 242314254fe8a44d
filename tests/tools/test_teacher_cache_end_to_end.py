"""tools/extract_teacher_features.py, then tools/train.py on the cached config: the teacher never runs."""
import glob
import os.path as osp

import pytest
import torch

pytest.importorskip('mmdet')

from helpers import ROOT, load_tool, small_cfg  # noqa: E402

CACHED_CFG = osp.join(ROOT, 'configs/cwd/cwd_fpn-cached_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py')

pytestmark = pytest.mark.slow


def test_extract_then_train_with_the_cache(det_root, tmp_path):
    work_dir = str(tmp_path / 'det')
    cfg = small_cfg(CACHED_CFG, det_root, work_dir, 1)
    cache_dir = str(tmp_path / 'cache')
    cfg.merge_from_dict({'model.teacher_cache.cache_dir': cache_dir, 'model.teacher_cache.on_miss': 'error'})
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None  # validation would run the teacher
    # every image flipped: one extraction pass holds the exact variant every step draws
    flip = [t for t in cfg.train_dataloader.dataset.pipeline if t['type'].endswith('RandomFlip')]
    assert len(flip) == 1
    flip[0]['prob'] = 1.0
    cfg_path = str(tmp_path / 'cached.py')
    cfg.dump(cfg_path)

    load_tool('extract_teacher_features').main([cfg_path, '--dtype', 'float16', '--shard-size', '4'])
    assert sorted(osp.basename(p) for p in glob.glob(osp.join(cache_dir, 'shard_*'))) == \
        ['shard_00000', 'shard_00001']  # 8 training images

    teacher_calls = []

    def count_teacher(module, args):
        if type(module).__name__ == 'ResNet' and module.depth == 50:  # the teacher's backbone
            teacher_calls.append(1)

    handle = torch.nn.modules.module.register_module_forward_pre_hook(count_teacher)
    try:
        load_tool('train').main([cfg_path])
    finally:
        handle.remove()
    assert teacher_calls == []
    log = open(glob.glob(osp.join(work_dir, '*', '*.log'))[0]).read()
    assert 'teacher cache' in log and 'cached samples' in log
    assert 'distill.loss_cwd' in log and 'nan' not in log.split('Epoch(train)')[-1]
    assert osp.isfile(osp.join(work_dir, 'student_epoch_1.pth'))
