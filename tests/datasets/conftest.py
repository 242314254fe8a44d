"""Tiny generated data sets shared by the dataset tests (generated once per session)."""
from pathlib import Path

import pytest

from mmkd.datasets import generate_detection, generate_segmentation

TINY_DET = dict(seed=0, num_train=6, num_val=3)
TINY_SEG = dict(seed=0, num_train=4, num_val=2)


@pytest.fixture(scope='session')
def det_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('embedded') / 'shapes_coco'
    generate_detection(str(root), **TINY_DET)
    return root


@pytest.fixture(scope='session')
def seg_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('embedded') / 'shapes_cityscapes'
    generate_segmentation(str(root), **TINY_SEG)
    return root
