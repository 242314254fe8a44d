"""Cached OAKE boxes (original pixels) mapped into the augmented image: hand values and mmdet's own transforms."""
import numpy as np
import pytest
import torch
from mmdet.datasets.transforms import RandomFlip, Resize
from mmdet.structures.bbox import HorizontalBoxes

from mmkd.models.oadp.box_mapping import map_cached_boxes

# a 200 x 100 (w x h) image resized to 400 x 50 (w_scale 2, h_scale 0.5)
BOX = torch.tensor([[10.0, 20.0, 30.0, 60.0]])
SCALED = [20.0, 10.0, 60.0, 30.0]
IMG_SHAPE = (50, 400)


def homography(w_scale, h_scale, flip=None, img_shape=IMG_SHAPE):
    h, w = img_shape
    scale = np.diag([w_scale, h_scale, 1.0]).astype(np.float32)
    flips = {None: np.eye(3), 'horizontal': [[-1, 0, w], [0, 1, 0], [0, 0, 1]],
             'vertical': [[1, 0, 0], [0, -1, h], [0, 0, 1]]}
    return np.asarray(flips[flip], dtype=np.float32) @ scale  # mmdet: each transform left-multiplies


@pytest.mark.parametrize('flip, expected', [(None, SCALED),
                                            ('horizontal', [400 - 60.0, 10.0, 400 - 20.0, 30.0]),
                                            ('vertical', [20.0, 50 - 30.0, 60.0, 50 - 10.0])])
def test_resize_and_flip_by_hand(flip, expected):
    by_scale = dict(img_shape=IMG_SHAPE, scale_factor=(2.0, 0.5), flip=flip is not None, flip_direction=flip)
    by_matrix = dict(img_shape=IMG_SHAPE, homography_matrix=homography(2.0, 0.5, flip))
    assert map_cached_boxes(BOX, by_scale).tolist() == [expected]
    assert map_cached_boxes(BOX, by_matrix).tolist() == [expected]


def test_boxes_are_clipped_to_the_augmented_image():
    meta = dict(img_shape=IMG_SHAPE, scale_factor=(2.0, 0.5))
    assert map_cached_boxes(torch.tensor([[150.0, 80.0, 250.0, 120.0]]), meta).tolist() == [[300, 40, 400, 50]]


def test_matches_what_the_mmdet_pipeline_does_to_gt_boxes():
    """The cached box goes where mmdet's Resize + RandomFlip send the same box as a GT box."""
    for flip_prob in (0.0, 1.0):
        results = dict(img=np.zeros((100, 200, 3), np.uint8), img_shape=(100, 200), ori_shape=(100, 200),
                       gt_bboxes=HorizontalBoxes(BOX.clone()))
        results = Resize(scale=(333, 77), keep_ratio=True)(results)
        results = RandomFlip(prob=flip_prob)(results)
        expected = results['gt_bboxes'].tensor
        meta_scale = {k: results[k] for k in ('img_shape', 'scale_factor', 'flip', 'flip_direction')}
        meta_matrix = dict(img_shape=results['img_shape'], homography_matrix=results['homography_matrix'])
        torch.testing.assert_close(map_cached_boxes(BOX, meta_scale), expected)
        torch.testing.assert_close(map_cached_boxes(BOX, meta_matrix), expected, rtol=0, atol=1e-4)


def test_missing_metainfo_is_named():
    with pytest.raises(KeyError, match='image id 7.*img_shape'):
        map_cached_boxes(BOX, dict(scale_factor=(1.0, 1.0)), 'image id 7')
    with pytest.raises(KeyError, match='neither homography_matrix nor scale_factor'):
        map_cached_boxes(BOX, dict(img_shape=(10, 10)))
    with pytest.raises(ValueError, match=r'\(N, 4\)'):
        map_cached_boxes(torch.zeros(4), dict(img_shape=(10, 10), scale_factor=(1.0, 1.0)))
