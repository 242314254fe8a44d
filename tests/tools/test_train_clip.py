"""tools/train_clip.py: a tiny contrastive run writes an open_clip state dict that loads strictly."""
import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from mmkd.datasets.embedded import SHAPES_CLASSES
from mmkd.models.clip import CLIPTeacher, build_open_clip, load_clip_checkpoint

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_tool():
    spec = importlib.util.spec_from_file_location('train_clip', REPO_ROOT / 'tools' / 'train_clip.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def test_tiny_run_writes_a_strictly_loading_checkpoint(tmp_path, capsys):
    ring, circle, diamond = SHAPES_CLASSES.index('ring') + 1, 1, SHAPES_CLASSES.index('diamond') + 1
    write_split(tmp_path, 'train2017', [[([4, 4, 12, 12], circle), ([24, 20, 14, 16], ring)],
                                         [([10, 10, 20, 20], diamond)], [([2, 30, 10, 10], 2)]])
    write_split(tmp_path, 'val2017', [[([4, 4, 12, 12], circle), ([24, 20, 14, 16], ring)]])
    out = tmp_path / 'clip.pth'
    summary = load_tool().main(['--data-root', str(tmp_path), '--steps', '3', '--batch-size', '4',
                                '--warmup', '1', '--log-every', '1', '--out', str(out), '--device', 'cpu'])
    assert 'step 3/3' in capsys.readouterr().out
    assert summary['train_pairs'] == 4 + 3 and summary['val_crops'] == 2  # 4 boxes + 3 images
    acc = summary['zero_shot']
    assert acc['step'] == 3 and 0 <= acc['base'] <= 1 and 0 <= acc['novel'] <= 1 and not math.isnan(acc['all'])
    assert json.loads((tmp_path / 'clip.pth.json').read_text())['zero_shot'] == acc

    saved = torch.load(out, weights_only=True)
    assert 'visual.class_embedding' in saved and 'logit_scale' in saved  # open_clip's own key layout
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
