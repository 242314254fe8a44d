"""ImageFolderDataset + PackClsInputs read the class-per-folder layout into ClsDataSamples."""
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmkd.datasets import ImageFolderDataset
from mmkd.structures import ClsDataSample


@pytest.fixture
def folder(tmp_path):
    """b/ 2 images, a/ 1 image, c/ 1 image and a stray text file."""
    for name, count in (('b', 2), ('a', 1), ('c', 1)):
        (tmp_path / 'train' / name).mkdir(parents=True)
        for i in range(count):
            img = np.full((6, 8, 3), 40 * i + 10, np.uint8)
            cv2.imwrite(str(tmp_path / 'train' / name / f'{i}.png'), img)
    (tmp_path / 'train' / 'a' / 'notes.txt').write_text('not an image')
    return tmp_path


def test_sorted_folders_are_the_classes(folder):
    ds = ImageFolderDataset(data_root=str(folder), data_prefix=dict(img_path='train'))
    assert ds.metainfo['classes'] == ('a', 'b', 'c')
    assert [(d['img_path'].split('/')[-2], d['gt_label']) for d in (ds.get_data_info(i) for i in range(len(ds)))] \
        == [('a', 0), ('b', 1), ('b', 1), ('c', 2)]


def test_metainfo_fixes_the_label_order(folder):
    ds = ImageFolderDataset(data_root=str(folder), data_prefix=dict(img_path='train'),
                            metainfo=dict(classes=('c', 'a', 'b')))
    assert [ds.get_data_info(i)['gt_label'] for i in range(len(ds))] == [0, 1, 2, 2]


def test_folder_class_mismatch_and_missing_root(folder):
    with pytest.raises(ValueError, match=r"missing \['d'\], not a class \['c'\]"):
        ImageFolderDataset(data_root=str(folder), data_prefix=dict(img_path='train'),
                           metainfo=dict(classes=('a', 'b', 'd')))
    with pytest.raises(FileNotFoundError, match='generate_embedded.py --cls-only'):
        ImageFolderDataset(data_root=str(folder), data_prefix=dict(img_path='val'))


def test_pipeline_packs_inputs_and_labels(folder):
    pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=(4, 4), keep_ratio=False),
                dict(type='mmkd.PackClsInputs')]
    ds = ImageFolderDataset(data_root=str(folder), data_prefix=dict(img_path='train'), pipeline=pipeline)
    item = ds[2]
    assert item['inputs'].shape == (3, 4, 4) and item['inputs'].dtype == torch.uint8
    sample = item['data_samples']
    assert isinstance(sample, ClsDataSample) and sample.gt_label.tolist() == [1]
    assert sample.img_path.endswith('b/1.png') and sample.ori_shape == (6, 8)
    assert int(item['inputs'][0, 0, 0]) == 50  # the second image of b is filled with 50


def test_embedded_dataset_config_reads_the_generated_set(tmp_path):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmkd.datasets import generate_classification
    from mmkd.registry import DATASETS
    root = tmp_path / 'cls'
    generate_classification(str(root), num_train=32, num_val=16)
    cfg = Config.fromfile(str(Path(__file__).resolve().parents[2] / 'configs/_base_/datasets/shapes_classification.py'))
    init_default_scope('mmkd')
    for loader, count in ((cfg.train_dataloader, 32), (cfg.val_dataloader, 16)):
        dataset = dict(loader.dataset, data_root=str(root))
        ds = DATASETS.build(dataset)
        assert len(ds) == count
        item = ds[0]
        assert item['inputs'].shape == (3, 32, 32)
        name = ds.metainfo['classes'][int(item['data_samples'].gt_label)]
        assert f'/{name}/' in item['data_samples'].img_path
