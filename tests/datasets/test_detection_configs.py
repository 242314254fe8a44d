"""The detection dataset configs build with mmdet's unchanged CocoDataset.

Shapes: the generated set loads through ``shapes_coco_detection.py``.
Real layout: a hand-made tree in the exact COCO 2017 layout loads through
``coco_detection.py`` with nothing changed but ``data_root``.
"""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

pytest.importorskip('mmdet')

from mmengine.config import Config  # noqa: E402
from mmengine.registry import DATASETS, METRICS, DefaultScope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmkd.datasets import SHAPES_CLASSES, set_data_root  # noqa: E402

DATASET_CONFIGS = Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets'
SCOPES = ['mmdet', 'mmkd']


def load_config(name: str, data_root: Path) -> Config:
    cfg = Config.fromfile(DATASET_CONFIGS / name)
    set_data_root(cfg, str(data_root))
    return cfg


def boxes_per_image(ann_file: Path) -> dict[int, list]:
    data = json.loads(ann_file.read_text())
    result = {im['id']: [] for im in data['images']}
    for a in data['annotations']:
        result[a['image_id']].append(a)
    return result


def test_config_lists_the_generated_classes():
    cfg = Config.fromfile(DATASET_CONFIGS / 'shapes_coco_detection.py')
    assert tuple(cfg.train_dataloader.dataset.metainfo.classes) == SHAPES_CLASSES


@pytest.mark.parametrize('scope', SCOPES)
def test_shapes_train_set_loads(det_root, scope):
    cfg = load_config('shapes_coco_detection.py', det_root)
    with DefaultScope.overwrite_default_scope(scope):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert type(dataset).__name__ == 'CocoDataset' and len(dataset) == 6
    expected = boxes_per_image(det_root / 'annotations' / 'instances_train2017.json')
    for index in range(len(dataset)):
        item = dataset[index]
        gt = item['data_samples'].gt_instances
        assert item['inputs'].shape == (3, 128, 128) and item['inputs'].dtype == torch.uint8
        assert len(gt) == len(expected[dataset.get_data_info(index)['img_id']]) >= 1
        assert gt.labels.min() >= 0 and gt.labels.max() < len(SHAPES_CLASSES)
        boxes = gt.bboxes.tensor
        assert (boxes[:, :2] >= 0).all() and (boxes[:, 2:] <= 128).all()


def map_of_ground_truth(metric, dataset, batches) -> float:
    """bbox mAP when the ground truth is fed back as predictions: 1.0 only if
    images, ids, labels and the evaluator's annotation file all line up."""
    metric.dataset_meta = dataset.metainfo
    for samples in batches:
        predictions = [dict(img_id=s.img_id, ori_shape=s.ori_shape, pred_instances=dict(
            bboxes=s.gt_instances.bboxes.tensor, labels=s.gt_instances.labels,
            scores=torch.ones(len(s.gt_instances)))) for s in samples]
        metric.process({}, predictions)
    return metric.evaluate(len(dataset))['coco/bbox_mAP']


@pytest.mark.parametrize('scope', SCOPES)
def test_shapes_val_loader_and_metric(det_root, scope):
    cfg = load_config('shapes_coco_detection.py', det_root)
    loader_cfg = cfg.val_dataloader.copy()
    loader_cfg.update(num_workers=0, persistent_workers=False)
    with DefaultScope.overwrite_default_scope(scope):
        loader = Runner.build_dataloader(loader_cfg)
        metric = METRICS.build(cfg.val_evaluator)
    batches = [batch['data_samples'] for batch in loader]
    assert map_of_ground_truth(metric, loader.dataset, batches) == pytest.approx(1.0)


def test_shapes_train_loader_batches(det_root):
    cfg = load_config('shapes_coco_detection.py', det_root)
    loader_cfg = cfg.train_dataloader.copy()
    loader_cfg.update(batch_size=4, num_workers=0, persistent_workers=False)
    with DefaultScope.overwrite_default_scope('mmkd'):
        loader = Runner.build_dataloader(loader_cfg)
    assert type(loader.batch_sampler).__name__ == 'AspectRatioBatchSampler'
    batch = next(iter(loader))
    assert len(batch['inputs']) == len(batch['data_samples']) == 4


# Real COCO category ids: 1..90 without the 10 ids COCO never used.
COCO_UNUSED_IDS = {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}


@pytest.fixture
def real_coco_root(tmp_path) -> Path:
    """A 2-image COCO val2017 tree: the real category list (all 80, real ids),
    real-style file names, annotations of 2 categories (person, dog)."""
    from mmdet.datasets import CocoDataset
    names = CocoDataset.METAINFO['classes']
    ids = [i for i in range(1, 91) if i not in COCO_UNUSED_IDS]
    categories = [dict(id=i, name=n, supercategory='') for i, n in zip(ids, names)]
    images = [dict(id=139, file_name='000000000139.jpg', height=48, width=64),
              dict(id=285, file_name='000000000285.jpg', height=64, width=48)]
    annotations = [
        dict(id=1, image_id=139, category_id=1, bbox=[10.0, 8.0, 20.0, 30.0], area=600.0,
             iscrowd=0, segmentation=[[10, 8, 30, 8, 30, 38, 10, 38]]),
        dict(id=2, image_id=285, category_id=18, bbox=[4.0, 6.0, 30.0, 20.0], area=600.0,
             iscrowd=0, segmentation=[[4, 6, 34, 6, 34, 26, 4, 26]]),
    ]
    (tmp_path / 'annotations').mkdir()
    (tmp_path / 'annotations' / 'instances_val2017.json').write_text(json.dumps(dict(
        info={}, licenses=[], images=images, annotations=annotations, categories=categories)))
    (tmp_path / 'val2017').mkdir()
    rng = np.random.default_rng(0)
    for im in images:
        pixels = rng.integers(0, 255, (im['height'], im['width'], 3), dtype=np.uint8)
        cv2.imwrite(str(tmp_path / 'val2017' / im['file_name']), pixels)
    return tmp_path


@pytest.mark.parametrize('scope', SCOPES)
def test_real_coco_layout_loads_by_changing_data_root(real_coco_root, scope):
    cfg = load_config('coco_detection.py', real_coco_root)
    with DefaultScope.overwrite_default_scope(scope):
        dataset = DATASETS.build(cfg.val_dataloader.dataset)
        metric = METRICS.build(cfg.val_evaluator)
    assert len(dataset.metainfo['classes']) == 80 and len(dataset) == 2
    samples = [dataset[index]['data_samples'] for index in range(2)]
    assert all(max(s.img_shape) == 1067 for s in samples)  # Resize(1333, 800), keep_ratio
    labels = {s.img_id: s.gt_instances.labels.tolist() for s in samples}
    assert labels == {139: [0], 285: [16]}  # person, dog: indices among the 80 classes
    assert map_of_ground_truth(metric, dataset, [samples]) == pytest.approx(1.0)
