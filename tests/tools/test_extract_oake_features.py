"""tools/extract_oake_features.py: writes the OV split when asked, then a complete, readable OAKE cache."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmkd.datasets.embedded import SHAPES_CLASSES
from mmkd.models.oadp import OAKEFeatureCache

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_tool():
    spec = importlib.util.spec_from_file_location('extract_oake', REPO_ROOT / 'tools' / 'extract_oake_features.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    tool = load_tool()
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
