"""Catalogue: data that is missing, empty or damaged, run through tools/train.py
(and tools/extract_teacher_features.py for a teacher cache made for another teacher)."""
import json
import os
import os.path as osp

import pytest

from helpers import ROOT, load_tool

pytest.importorskip('timm')


@pytest.fixture(scope='module')
def train():
    return load_tool('train').main


def first_image(root, split='train'):
    folder = osp.join(root, split)
    cls = sorted(os.listdir(folder))[0]
    return osp.join(folder, cls, sorted(os.listdir(osp.join(folder, cls)))[0])


def test_data_root_missing(train, tiny_config, tmp_path, bad_input):
    with bad_input(FileNotFoundError, 'train_dataloader.dataset.data_root', 'no_such_data'):
        train([tiny_config(data_root=str(tmp_path / 'no_such_data'))])


def test_data_root_option_missing(train, tiny_config, tmp_path, bad_input):
    """``--cfg-options data_root=...`` (which moves every split) pointing nowhere."""
    with bad_input(FileNotFoundError, 'data_root', 'elsewhere'):
        train([tiny_config(), '--cfg-options', f'data_root={tmp_path / "elsewhere"}'])


def test_empty_dataset(train, tiny_config, data_copy, bad_input):
    """Every class folder there, but no image in them: nothing to train on."""
    for root, _, files in os.walk(osp.join(data_copy, 'train')):
        for file in files:
            os.remove(osp.join(root, file))
    with bad_input(FileNotFoundError, 'no images', osp.join(data_copy, 'train')):
        train([tiny_config(data_root=data_copy)])


def test_corrupt_image(train, tiny_config, data_copy, bad_input):
    """An image file holding garbage: the error names it."""
    image = first_image(data_copy)
    with open(image, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + b'\x00garbage' * 8)
    with bad_input(Exception, osp.basename(image)):
        train([tiny_config(data_root=data_copy)])


def test_truncated_image(train, tiny_config, data_copy, bad_input):
    """An image cut short (an interrupted copy): the error names it."""
    image = first_image(data_copy)
    data = open(image, 'rb').read()
    with open(image, 'wb') as f:
        f.write(data[:len(data) // 3])
    with bad_input(Exception, osp.basename(image)):
        train([tiny_config(data_root=data_copy)])


# ------------------------------------------------------------------ annotation files (COCO detection)
DET_CFG = osp.join(ROOT, 'configs/detection/retinanet-r18-w8_adamw-12e_shapes-coco.py')


@pytest.fixture
def det_copy(tmp_path):
    pytest.importorskip('mmdet')
    from mmkd.datasets.embedded import generate_detection
    root = str(tmp_path / 'shapes_coco')
    generate_detection(root, seed=0, num_train=2, num_val=1)
    return root


def test_annotation_file_corrupt(train, det_copy, bad_input):
    ann = osp.join(det_copy, 'annotations', 'instances_train2017.json')
    text = open(ann).read()
    with open(ann, 'w') as f:
        f.write(text[:len(text) // 2])  # cut short
    with bad_input(ValueError, 'instances_train2017.json', 'not valid JSON'):
        train([DET_CFG, '--cfg-options', f'data_root={det_copy}'])


def test_annotation_file_missing(train, det_copy, bad_input):
    os.remove(osp.join(det_copy, 'annotations', 'instances_val2017.json'))
    with bad_input(FileNotFoundError, 'val_dataloader.dataset.ann_file', 'instances_val2017.json'):
        train([DET_CFG, '--cfg-options', f'data_root={det_copy}'])


def test_annotation_file_not_coco(train, det_copy, bad_input):
    ann = osp.join(det_copy, 'annotations', 'instances_train2017.json')
    with open(ann, 'w') as f:
        json.dump({'images': []}, f)
    with bad_input(KeyError, 'instances_train2017.json', "'annotations'"):
        train([DET_CFG, '--cfg-options', f'data_root={det_copy}'])


# ------------------------------------------------------------------ teacher feature cache
CACHED = """
model = dict(teacher_cache=dict(cache_dir={cache!r}))
custom_hooks = [dict(type='mmkd.StudentCheckpointHook'), dict(type='mmkd.TeacherCacheHook')]
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'), dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='mmkd.PackClsInputs')]))
"""


def test_extract_cache_with_random_augmentation(tiny_config, tmp_path, bad_input):
    """The cache key cannot see RandomResize/RandomCrop: extraction refuses unless told otherwise."""
    with bad_input(Exception, 'Random'):
        load_tool('extract_teacher_features').main([tiny_config(), '--cache-dir', str(tmp_path / 'cache')])


def test_cache_made_for_another_teacher(train, tiny_config, tiny_model, tmp_path, bad_input):
    import torch

    from mmkd.models.builder import build_model
    cache = str(tmp_path / 'cache')
    config = tiny_config(CACHED.format(cache=cache))
    load_tool('extract_teacher_features').main([config])
    torch.manual_seed(1)  # another teacher of the same architecture (retrained, another seed)
    other = str(tmp_path / 'other_teacher.pth')
    torch.save({'state_dict': build_model(tiny_model(32), 'teacher').state_dict()}, other)
    with bad_input(Exception, 'cache', "teacher.teacher", 'Re-extract'):
        train([config, '--cfg-options', f'model.teacher.ckpt={other}'])


def test_dataset_empty_after_filtering(train, det_copy, bad_input):
    """COCO images without a single box: mmdet filters them all out, leaving nothing to train on."""
    ann = osp.join(det_copy, 'annotations', 'instances_train2017.json')
    coco = json.load(open(ann))
    with open(ann, 'w') as f:
        json.dump(dict(coco, annotations=[]), f)
    with bad_input(ValueError, 'training set is empty', 'instances_train2017.json'):
        train([DET_CFG, '--cfg-options', f'data_root={det_copy}'])
