"""Cache keys: sample id plus the augmentation the metainfo records."""
import numpy as np
import pytest

from mmkd.cache import SampleKeys, augmentation_key, unrecorded_random_transforms
from mmkd.cache.sample_key import split_key


def meta(**extra):
    info = dict(img_id=7, img_path='/data/coco/train2017/7.jpg', ori_shape=(100, 80),
                img_shape=(128, 102), scale_factor=(1.28, 1.275), flip=False, flip_direction=None)
    info.update(extra)
    return info


def test_flip_and_scale_give_different_keys_and_unrelated_metainfo_does_not():
    keys = SampleKeys('img_id')
    base = keys.key(meta())
    assert keys.key(meta(flip=True, flip_direction='horizontal')) != base
    assert keys.key({**meta(), 'img_shape': (64, 51), 'scale_factor': (0.64, 0.6375)}) != base
    # values that do not describe the input geometry, and float noise below 1e-6, do not matter
    assert keys.key({**meta(), 'ori_shape': (1, 1), 'batch_input_shape': (128, 128)}) == base
    noisy = {**meta(), 'scale_factor': np.array([1.28 + 1e-9, 1.275])}
    assert keys.key(noisy) == base
    assert split_key(base) == ('7', augmentation_key(meta()))


def test_path_ids_are_relative_to_the_data_root_and_found_after_a_move():
    extraction = SampleKeys('img_path', data_root='/data/city/')
    sample_id = extraction.sample_id(dict(img_path='/data/city/leftImg8bit/train/a/x.png'))
    assert sample_id == 'leftImg8bit/train/a/x.png'
    training = SampleKeys('img_path', known_ids=[sample_id, 'leftImg8bit/train/b/x.png'])
    moved = dict(img_path='/elsewhere/copy/leftImg8bit/train/a/x.png')
    assert training.sample_id(moved) == sample_id
    assert training._prefix == '/elsewhere/copy/'
    assert training.sample_id(dict(img_path='/elsewhere/copy/leftImg8bit/train/b/x.png')) == \
        'leftImg8bit/train/b/x.png'
    unknown = training.sample_id(dict(img_path='/elsewhere/copy/leftImg8bit/train/c/x.png'))
    assert unknown not in training.known_ids  # a miss, never another sample's entry


def test_sample_without_id_is_named():
    from mmkd.cache.sample_key import id_kind_of
    assert id_kind_of(meta()) == 'img_id'
    assert id_kind_of(dict(img_path='a.png')) == 'img_path'
    with pytest.raises(KeyError, match='neither img_id nor img_path.*img_shape'):
        id_kind_of(dict(img_shape=(1, 1)))


def test_random_transforms_the_key_cannot_see_are_listed():
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='mmdet.RandomFlip', prob=0.5),
        dict(type='RandomResize', scale=(128, 128), ratio_range=(0.5, 2.0)),
        dict(type='mmdet.Resize', scale=(128, 128)),
        dict(type='mmseg.RandomCrop', crop_size=(64, 64)),
        dict(type='RandomApply', transforms=[dict(type='mmseg.PhotoMetricDistortion')]),
        dict(type='mmdet.PackDetInputs'),
    ]
    assert unrecorded_random_transforms(pipeline) == ['RandomCrop', 'RandomApply', 'PhotoMetricDistortion']
    assert unrecorded_random_transforms(pipeline[:4]) == []
