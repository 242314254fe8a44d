"""Tiny generated data sets shared by the tools' end-to-end tests (one per test module)."""
import pytest


@pytest.fixture(scope='module')
def det_root(tmp_path_factory):
    from mmkd.datasets.embedded import generate_detection
    root = str(tmp_path_factory.mktemp('shapes_coco'))
    generate_detection(root, seed=0, num_train=8, num_val=4)
    return root


@pytest.fixture(scope='module')
def seg_root(tmp_path_factory):
    from mmkd.datasets.embedded import generate_segmentation
    root = str(tmp_path_factory.mktemp('shapes_cityscapes'))
    generate_segmentation(root, seed=0, num_train=4, num_val=2)
    return root
