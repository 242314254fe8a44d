"""OAKE in the teacher-feature cache: read back == computed, resumable, fingerprinted."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

from mmkd.cache import CacheMismatchError
from mmkd.cache.index import CacheIndex
from mmkd.models.clip import CLIPTeacher
from mmkd.models.oadp import (ObjectAwareEncoder, OAKEFeatureCache, compute_oake, extract_oake_features,
                              gt_jitter_proposals)
from mmkd.datasets.rgb_image import load_normalized_rgb as load_clip_image
from mmkd.models.oadp.oake_cache import oake_fingerprints
from helpers import TINY_CLIP as TINY

SETTINGS = dict(num_jitter=2, jitter=0.2, seed=3, block_size=24, max_stride=16)


@pytest.fixture(scope='module')
def teacher():
    torch.manual_seed(0)
    return CLIPTeacher(model_cfg=TINY)


def write_ov_train(root, novel_box=False):
    """3 images of 40x40 (the third without base boxes), categories tagged base / novel."""
    (root / 'img').mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    boxes = [[([4, 4, 12, 12], 1), ([20, 18, 16, 14], 2)], [([8, 10, 20, 20], 1)], []]
    if novel_box:
        boxes[2].append(([5, 5, 10, 10], 3))
    images, anns = [], []
    for img_id, items in enumerate(boxes, start=1):
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(root / 'img' / f'{img_id}.png')
        images.append(dict(id=img_id, file_name=f'{img_id}.png', height=40, width=40))
        anns += [dict(id=len(anns) + 1, image_id=img_id, category_id=c, bbox=b, iscrowd=0) for b, c in items]
    cats = [dict(id=1, name='circle', split='base'), dict(id=2, name='square', split='base'),
            dict(id=3, name='ring', split='novel')]
    path = root / ('with_novel.json' if novel_box else 'ov_train.json')
    path.write_text(json.dumps(dict(images=images, annotations=anns, categories=cats)))
    return str(path), str(root / 'img')


def _extract(teacher, ann, img_dir, cache_dir, **kwargs):
    options = dict(SETTINGS, shard_size=2)
    options.update(kwargs)
    return extract_oake_features(teacher, ann, img_dir, str(cache_dir), dict(model_cfg=TINY), **options)


def teacher_mean_std(teacher):
    from mmkd.models.clip import clip_mean_std
    return clip_mean_std(teacher.clip)


def test_cache_round_trips_the_computed_embeddings(teacher, tmp_path):
    ann, img_dir = write_ov_train(tmp_path)
    stats = _extract(teacher, ann, img_dir, tmp_path / 'cache')
    assert stats == dict(written=3, skipped=0, shards=2)
    cache = OAKEFeatureCache(str(tmp_path / 'cache'), verify_hashes=True)
    assert len(cache) == 3 and 1 in cache and 4 not in cache
    encoder = ObjectAwareEncoder(teacher.visual)
    gts = {1: [[4, 4, 16, 16], [20, 18, 36, 32]], 2: [[8, 10, 28, 30]], 3: []}
    for img_id, gt in gts.items():
        image = load_clip_image(f'{img_dir}/{img_id}.png', *teacher_mean_std(teacher))
        proposals = gt_jitter_proposals(torch.tensor(gt, dtype=torch.float32).reshape(-1, 4), (40, 40),
                                        2, 0.2, 3, img_id)
        expected = compute_oake(encoder, teacher.encode_image, image, proposals, 24, 16)
        got = cache.get(img_id)
        assert set(got) == {'proposals', 'objects', 'block_boxes', 'blocks', 'global'}
        assert len(got['proposals']) == 3 * len(gt)  # each GT box and 2 copies
        for name, value in expected.items():
            torch.testing.assert_close(got[name], value, rtol=0, atol=0, msg=f'{img_id}: {name}')
    assert cache.get(3)['objects'].shape == (0, 16) and cache.get(3)['blocks'].shape == (5, 16)
    with pytest.raises(KeyError, match='image id 9'):
        cache.get(9)


def test_interrupted_extraction_resumes_to_the_same_cache(teacher, tmp_path):
    ann, img_dir = write_ov_train(tmp_path)
    _extract(teacher, ann, img_dir, tmp_path / 'full')
    first = _extract(teacher, ann, img_dir, tmp_path / 'cut', shard_size=1, stop_after_shards=2)
    assert first['written'] == 2 and not CacheIndex.load(str(tmp_path / 'cut')).complete
    second = _extract(teacher, ann, img_dir, tmp_path / 'cut', shard_size=1)
    assert second == dict(written=1, skipped=2, shards=1)
    full, cut = OAKEFeatureCache(str(tmp_path / 'full')), OAKEFeatureCache(str(tmp_path / 'cut'))
    for img_id in (1, 2, 3):
        for name, value in full.get(img_id).items():
            assert torch.equal(cut.get(img_id)[name], value)


def test_other_settings_or_novel_boxes_are_refused(teacher, tmp_path):
    ann, img_dir = write_ov_train(tmp_path)
    _extract(teacher, ann, img_dir, tmp_path / 'cache', max_images=1)
    with pytest.raises(CacheMismatchError, match='oake'):
        _extract(teacher, ann, img_dir, tmp_path / 'cache', num_jitter=1)
    other = oake_fingerprints(dict(model_cfg=TINY), teacher.clip, dict(block_size=999), ann)
    with pytest.raises(CacheMismatchError):
        OAKEFeatureCache(str(tmp_path / 'cache'), fingerprints=other)
    novel_ann, _ = write_ov_train(tmp_path, novel_box=True)
    with pytest.raises(ValueError, match=r"novel categories \['ring'\]"):
        _extract(teacher, novel_ann, img_dir, tmp_path / 'other')


def test_float16_storage_keeps_boxes_exact(teacher, tmp_path):
    ann, img_dir = write_ov_train(tmp_path)
    _extract(teacher, ann, img_dir, tmp_path / 'f32', max_images=1)
    _extract(teacher, ann, img_dir, tmp_path / 'f16', max_images=1, dtype='float16')
    exact, half = OAKEFeatureCache(str(tmp_path / 'f32')).get(1), OAKEFeatureCache(str(tmp_path / 'f16')).get(1)
    assert torch.equal(half['proposals'], exact['proposals']) and half['objects'].dtype == torch.float32
    torch.testing.assert_close(half['objects'], exact['objects'], rtol=0, atol=1e-3)
