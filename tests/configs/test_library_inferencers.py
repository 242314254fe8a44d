"""mmdet's DetInferencer and mmseg's MMSegInferencer run on every task config unchanged.

The task configs (teachers and students alone) inherit the task runtimes,
which define the libraries' visualizers; the segmentation test pipeline names
``LoadAnnotations`` so MMSegInferencer can drop it for inference.
"""
import glob
import os.path as osp

import pytest

from helpers import ROOT

DET = sorted(glob.glob(osp.join(ROOT, 'configs', 'detection', '*.py')))
SEG = sorted(glob.glob(osp.join(ROOT, 'configs', 'segmentation', '*.py')))


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    from mmkd.datasets.embedded import generate_detection, generate_segmentation
    root = tmp_path_factory.mktemp('images')
    generate_detection(str(root / 'det'), seed=0, num_train=1, num_val=1)
    generate_segmentation(str(root / 'seg'), seed=0, num_train=1, num_val=1)
    return dict(det=str(root / 'det' / 'val2017' / '000000000001.jpg'),
                seg=sorted(glob.glob(str(root / 'seg' / 'leftImg8bit' / 'val' / '*' / '*.png')))[0])


@pytest.mark.parametrize('path', DET, ids=osp.basename)
def test_det_inferencer_predicts_and_draws(path, images):
    from mmdet.apis import DetInferencer
    out = DetInferencer(model=path, weights=None, device='cpu')(images['det'], return_vis=True)
    assert len(out['predictions'][0]['scores']) > 0
    assert out['visualization'][0].shape == (128, 128, 3)


@pytest.mark.parametrize('path', SEG, ids=osp.basename)
def test_seg_inferencer_predicts_and_draws(path, images):
    from mmseg.apis import MMSegInferencer
    out = MMSegInferencer(model=path, weights=None, device='cpu')(images['seg'], return_vis=True)
    assert out['predictions'].shape == out['visualization'].shape[:2] == (128, 256)


def test_both_lists_are_not_empty():
    assert len(DET) >= 2 and len(SEG) >= 2
