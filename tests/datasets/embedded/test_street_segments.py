"""The full-coverage segments set: its instance masks partition every labelled pixel of the street scenes."""
import json

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from mmkd.datasets.embedded import CITYSCAPES_CLASSES, generate_street_segments, label_map_segments
from mmkd.datasets.embedded.seeding import item_rng
from mmkd.datasets.embedded.street_domains import render_street_domain


def test_components_of_a_hand_made_label_map():
    labels = np.array([[0, 0, 1, 1],
                       [2, 0, 255, 1],
                       [2, 2, 0, 0]], dtype=np.uint8)  # class 0 in two pieces (4-connectivity)
    segments = label_map_segments(labels)
    assert sorted((c, int(m.sum())) for c, m in segments) == [(0, 2), (0, 3), (1, 3), (2, 3)]
    assert [c for c, m in label_map_segments(labels, min_area=3)] == [0, 1, 2]
    with pytest.raises(ValueError, match=r'\(H, W\) label map'):
        label_map_segments(labels[None])


@pytest.fixture(scope='module')
def segments_root(tmp_path_factory):
    return generate_street_segments(str(tmp_path_factory.mktemp('segments')), seed=0, num_train=2, num_val=2,
                                    image_size=(48, 64))


@pytest.mark.parametrize('split', ['train', 'val'])
def test_masks_cover_every_labelled_pixel_once(segments_root, split):
    with open(f'{segments_root}/annotations/instances_{split}2017.json') as f:
        data = json.load(f)
    assert [c['name'] for c in data['categories']] == list(CITYSCAPES_CLASSES)
    for index, image in enumerate(data['images']):
        _, labels = render_street_domain(item_rng(0, 'street_segments', split, index), 48, 64, 'photo')
        anns = [a for a in data['annotations'] if a['image_id'] == image['id']]
        masks = np.stack([mask_utils.decode(a['segmentation']) for a in anns]).astype(bool)
        assert (masks.sum(0) == (labels != 255)).all()  # every labelled pixel in exactly one mask
        assert len(anns) > 3  # stuff and things, not a few objects
        for a, m in zip(anns, masks):
            assert (labels[m] == a['category_id'] - 1).all() and a['area'] == m.sum()


def test_mmdet_reads_the_masks(segments_root):
    from mmdet.datasets import CocoDataset
    import mmkd  # noqa: F401  (registers the transforms' scope)
    dataset = CocoDataset(data_root=segments_root, ann_file='annotations/instances_val2017.json',
                          data_prefix=dict(img='val2017/'), metainfo=dict(classes=CITYSCAPES_CLASSES),
                          pipeline=[dict(type='LoadImageFromFile'),
                                    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True)],
                          filter_cfg=dict(filter_empty_gt=True))
    sample = dataset[0]
    masks = sample['gt_masks'].to_ndarray()
    assert masks.shape[1:] == (48, 64) and masks.any(0).mean() > 0.9  # (nearly) the whole image is segments
