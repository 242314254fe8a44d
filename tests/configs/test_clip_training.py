"""configs/clip: the small CLIP trains on mmengine's Runner, resumes, and exports an
open_clip state dict that loads strictly, with its class text embeddings."""
import copy
import json
import math
import os.path as osp
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image

from mmkd.datasets import set_data_root
from mmkd.datasets.embedded import SHAPES_CLASSES
from mmkd.models.clip import CLIPTeacher, build_open_clip, load_clip_checkpoint

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = REPO_ROOT / 'configs' / 'clip' / 'clip-tiny-vit-64_adamw-500i_shapes-coco.py'


def write_split(root, split, boxes_by_image, size=48):
    (root / split).mkdir(parents=True)
    (root / 'annotations').mkdir(exist_ok=True)
    rng = np.random.default_rng(len(split))
    images, anns = [], []
    for img_id, boxes in enumerate(boxes_by_image, start=1):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(root / split / f'{img_id}.jpg')
        images.append(dict(id=img_id, file_name=f'{img_id}.jpg', height=size, width=size))
        anns += [dict(id=len(anns) + 1, image_id=img_id, category_id=c, bbox=b, area=b[2] * b[3], iscrowd=0)
                 for b, c in boxes]
    cats = [dict(id=i + 1, name=n) for i, n in enumerate(SHAPES_CLASSES)]
    (root / 'annotations' / f'instances_{split}.json').write_text(
        json.dumps(dict(images=images, annotations=anns, categories=cats)))


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    ring, circle, diamond = SHAPES_CLASSES.index('ring') + 1, 1, SHAPES_CLASSES.index('diamond') + 1
    root = tmp_path_factory.mktemp('clip') / 'data'
    write_split(root, 'train2017', [[([4, 4, 12, 12], circle), ([24, 20, 14, 16], ring)],
                                    [([10, 10, 20, 20], diamond)], [([2, 30, 10, 10], 2)]])
    write_split(root, 'val2017', [[([4, 4, 12, 12], circle), ([24, 20, 14, 16], ring)]])
    return str(root)


def tiny_cfg(data_root, work_dir, out, iters):
    """The config at 3 iterations of batch 4 (1 warm-up), on the tiny data set."""
    cfg = Config.fromfile(str(CONFIG))
    set_data_root(cfg, data_root)
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.batch_size = 4
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = 3
    cfg.param_scheduler = copy.deepcopy(cfg.param_scheduler)
    cfg.param_scheduler[0].update(start_factor=1.0, end=1)
    cfg.param_scheduler[1].update(begin=1, end=3, T_max=2)
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks[0].out = str(out)
    return cfg


@pytest.fixture(scope='module')
def full_run(data_root, tmp_path_factory):
    """The uninterrupted 3-iteration run: its work dir and exported checkpoint."""
    root = tmp_path_factory.mktemp('full')
    Runner.from_cfg(tiny_cfg(data_root, root / 'work', root / 'clip.pth', 3)).train()
    return root


def test_tiny_run_writes_a_strictly_loading_checkpoint(full_run):
    tmp_path, out = full_run, full_run / 'clip.pth'
    summary = json.loads((tmp_path / 'clip.pth.json').read_text())
    assert summary['train_pairs'] == 4 + 3 and summary['val_crops'] == 2  # 4 boxes + 3 images
    acc = summary['zero_shot']
    assert acc['step'] == 3 and 0 <= acc['base'] <= 1 and 0 <= acc['novel'] <= 1 and not math.isnan(acc['all'])
    assert [entry['step'] for entry in summary['history']] == [3]
    assert osp.isfile(tmp_path / 'work' / 'iter_3.pth')  # the Runner's own checkpoint, for --resume

    saved = torch.load(out, weights_only=True)
    assert 'visual.class_embedding' in saved and 'logit_scale' in saved  # open_clip's own key layout
    assert saved['logit_scale'].exp() <= 100 + 1e-4
    fresh = build_open_clip('mmkd-tiny-vit-64')
    result = load_clip_checkpoint(fresh, str(out))  # strict by default
    assert result.missing_keys == [] and result.unexpected_keys == [] and result.shape_mismatches == []
    for key, value in saved.items():
        assert torch.equal(fresh.state_dict()[key], value), key
    teacher = CLIPTeacher(model_name='mmkd-tiny-vit-64', ckpt=str(out))
    assert torch.equal(teacher.clip.logit_scale, saved['logit_scale'])
    text = torch.load(f'{out}.text.pth', weights_only=True)  # the student's classifier weights
    assert text['classes'] == list(SHAPES_CLASSES) and text['embeddings'].shape == (8, 128)
    torch.testing.assert_close(text['embeddings'], teacher.embed_categories(SHAPES_CLASSES))


def test_resumed_run_equals_the_uninterrupted_one(data_root, full_run, tmp_path):
    Runner.from_cfg(tiny_cfg(data_root, tmp_path / 'cut', tmp_path / 'cut.pth', 2)).train()
    cfg = tiny_cfg(data_root, tmp_path / 'cut', tmp_path / 'cut.pth', 3)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 3
    full = torch.load(full_run / 'clip.pth', weights_only=True)
    cut = torch.load(tmp_path / 'cut.pth', weights_only=True)
    for key, value in full.items():
        torch.testing.assert_close(cut[key], value, msg=key)
