"""tools/extract_oake_features.py: writes the OV split when asked, then a complete, readable OAKE cache."""
import json

import numpy as np
import pytest
from PIL import Image

from mmkd.datasets.embedded import SHAPES_CLASSES
from mmkd.models.oadp import OAKEFeatureCache
from helpers import REPO_ROOT, load_tool


def test_tool_splits_and_extracts(tmp_path):
    (tmp_path / 'train2017').mkdir()
    (tmp_path / 'annotations').mkdir()
    rng = np.random.default_rng(0)
    ring = SHAPES_CLASSES.index('ring') + 1
    boxes = [[([4, 4, 12, 12], 1), ([20, 20, 14, 14], ring)], [([10, 10, 20, 20], ring)]]
    images, anns = [], []
    for img_id, items in enumerate(boxes, start=1):
        pixels = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(tmp_path / 'train2017' / f'{img_id}.jpg')
        images.append(dict(id=img_id, file_name=f'{img_id}.jpg', height=48, width=48))
        anns += [dict(id=len(anns) + 1, image_id=img_id, category_id=c, bbox=b, area=b[2] * b[3], iscrowd=0)
                 for b, c in items]
    cats = [dict(id=i + 1, name=n) for i, n in enumerate(SHAPES_CLASSES)]
    (tmp_path / 'annotations' / 'instances_train2017.json').write_text(
        json.dumps(dict(images=images, annotations=anns, categories=cats)))
    tool = load_tool('extract_oake_features')
    with pytest.raises(ValueError, match='--clip-ckpt is required'):
        tool.main(['--data-root', str(tmp_path)])
    args = ['--data-root', str(tmp_path), '--random-clip', '--cache-dir', str(tmp_path / 'cache'),
            '--num-jitter', '1', '--block-size', '32', '--block-stride', '16', '--device', 'cpu']
    with pytest.raises(FileNotFoundError, match='--ov-split'):
        tool.main(args)
    assert tool.main(args + ['--ov-split', 'shapes']) == dict(written=2, skipped=0, shards=1)
    assert (tmp_path / 'annotations' / 'instances_train2017_ov-shapes_eval.json').is_file()
    cache = OAKEFeatureCache(str(tmp_path / 'cache'))
    # the ring is novel: only the circle and its jittered copy are proposals; image 2 has none
    assert cache.get(1)['proposals'].shape == (2, 4) and cache.get(1)['proposals'][0].tolist() == [4, 4, 16, 16]
    assert cache.get(2)['objects'].shape == (0, 128) and cache.get(2)['blocks'].shape == (5, 128)
    assert tool.main(args) == dict(written=0, skipped=2, shards=0)  # already complete: nothing recomputed


def test_tool_rpn_proposals_from_a_base_detector(tmp_path):
    import torch

    from mmkd.cache.index import CacheIndex
    from mmkd.datasets import generate_detection
    from mmkd.models.builder import load_model_cfg
    from mmkd.registry import MODELS
    data = tmp_path / 'shapes'
    generate_detection(str(data), num_train=4, num_val=2)
    config = str(REPO_ROOT / 'configs' / 'detection' / 'faster-rcnn-r18-w8_adamw-12e_shapes-coco.py')
    torch.manual_seed(0)
    detector = MODELS.build(load_model_cfg(dict(cfg_path=config), 'test detector'))
    detector.init_weights()
    torch.save(detector.state_dict(), tmp_path / 'base_detector.pth')
    tool = load_tool('extract_oake_features')
    common = ['--data-root', str(data), '--ov-split', 'shapes', '--random-clip', '--max-images', '2',
              '--device', 'cpu']
    rpn = ['--proposals', 'rpn', '--detector-config', config, '--top-k', '8']
    with pytest.raises(ValueError, match='--proposals rpn needs --detector-checkpoint'):
        tool.main(common + rpn + ['--cache-dir', str(tmp_path / 'rpn')])
    with pytest.raises(ValueError, match='--detector-config only apply to --proposals rpn'):
        tool.main(common + ['--detector-config', config, '--cache-dir', str(tmp_path / 'rpn')])
    rpn += ['--detector-checkpoint', str(tmp_path / 'base_detector.pth')]
    assert tool.main(common + rpn + ['--cache-dir', str(tmp_path / 'rpn')])['written'] == 2
    assert tool.main(common + ['--cache-dir', str(tmp_path / 'jitter')])['written'] == 2
    cache = OAKEFeatureCache(str(tmp_path / 'rpn'))
    images = sorted(json.loads((data / 'annotations' / 'instances_train2017.json').read_text())['images'],
                    key=lambda im: im['id'])[:2]
    for info in images:
        boxes = cache.get(info['id'])['proposals']
        assert 0 < len(boxes) <= 8 and (boxes >= 0).all() and (boxes[:, 2:] <= 128).all()
        assert ((boxes[:, 2:] - boxes[:, :2]) >= 4).all()
    rpn_prints = CacheIndex.load(str(tmp_path / 'rpn')).data['fingerprints']
    jitter_prints = CacheIndex.load(str(tmp_path / 'jitter')).data['fingerprints']
    assert rpn_prints['oake'] != jitter_prints['oake']
    assert {k: v for k, v in rpn_prints.items() if k != 'oake'} == \
        {k: v for k, v in jitter_prints.items() if k != 'oake'}
    assert tool.main(common + rpn + ['--cache-dir', str(tmp_path / 'rpn')])['skipped'] == 2  # resumes
