"""The segmentation dataset configs build with mmseg's unchanged CityscapesDataset.

Shapes: the generated set loads through ``shapes_cityscapes.py``.
Real layout: a hand-made tree in the exact Cityscapes layout loads through
``cityscapes.py`` with nothing changed but ``data_root``.
"""
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip('mmseg')

from mmengine.config import Config  # noqa: E402
from mmengine.registry import DATASETS, METRICS, DefaultScope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mmkd.datasets import CITYSCAPES_CLASSES, set_data_root  # noqa: E402

DATASET_CONFIGS = Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets'
SCOPES = ['mmseg', 'mmkd']
TRAIN_IDS = set(range(19)) | {255}


def load_config(name: str, data_root: Path) -> Config:
    cfg = Config.fromfile(DATASET_CONFIGS / name)
    set_data_root(cfg, str(data_root))
    return cfg


def test_class_names_match_mmseg():
    from mmseg.datasets import CityscapesDataset
    assert CITYSCAPES_CLASSES == tuple(CityscapesDataset.METAINFO['classes'])


@pytest.mark.parametrize('scope', SCOPES)
def test_shapes_train_set_loads(seg_root, scope):
    cfg = load_config('shapes_cityscapes.py', seg_root)
    with DefaultScope.overwrite_default_scope(scope):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert type(dataset).__name__ == 'CityscapesDataset' and len(dataset) == 4
    for index in range(len(dataset)):
        item = dataset[index]
        seg = item['data_samples'].gt_sem_seg.data
        assert item['inputs'].shape == (3, 128, 256) and seg.shape == (1, 128, 256)
        assert set(seg.unique().tolist()) <= TRAIN_IDS


@pytest.mark.parametrize('scope', SCOPES)
def test_shapes_val_set_keeps_the_label_maps(seg_root, scope):
    cfg = load_config('shapes_cityscapes.py', seg_root)
    loader_cfg = cfg.val_dataloader.copy()
    loader_cfg.update(num_workers=0, persistent_workers=False)
    with DefaultScope.overwrite_default_scope(scope):
        loader = Runner.build_dataloader(loader_cfg)
        METRICS.build(cfg.val_evaluator)
    samples = [s for batch in loader for s in batch['data_samples']]
    assert len(samples) == 2
    for sample in samples:
        expected = cv2.imread(sample.seg_map_path, cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(sample.gt_sem_seg.data[0].numpy(), expected)
        assert sample.img_path.endswith('_leftImg8bit.png') and '/val/' in sample.img_path


@pytest.fixture
def real_cityscapes_root(tmp_path) -> Path:
    """One val image in the exact Cityscapes layout, with the other gtFine
    files a real download has next to the train-id map."""
    stem = 'frankfurt_000000_000294'
    image_dir = tmp_path / 'leftImg8bit' / 'val' / 'frankfurt'
    label_dir = tmp_path / 'gtFine' / 'val' / 'frankfurt'
    image_dir.mkdir(parents=True)
    label_dir.mkdir(parents=True)
    rng = np.random.default_rng(0)
    cv2.imwrite(str(image_dir / f'{stem}_leftImg8bit.png'),
                rng.integers(0, 255, (32, 64, 3), dtype=np.uint8))
    train_ids = np.full((32, 64), 255, np.uint8)
    train_ids[:12], train_ids[12:24], train_ids[24:28, :40] = 10, 0, 13
    cv2.imwrite(str(label_dir / f'{stem}_gtFine_labelTrainIds.png'), train_ids)
    cv2.imwrite(str(label_dir / f'{stem}_gtFine_labelIds.png'), np.full((32, 64), 7, np.uint8))
    cv2.imwrite(str(label_dir / f'{stem}_gtFine_color.png'), np.zeros((32, 64, 3), np.uint8))
    (label_dir / f'{stem}_gtFine_polygons.json').write_text('{}')
    return tmp_path


@pytest.mark.parametrize('scope', SCOPES)
def test_real_cityscapes_layout_loads_by_changing_data_root(real_cityscapes_root, scope):
    cfg = load_config('cityscapes.py', real_cityscapes_root)
    with DefaultScope.overwrite_default_scope(scope):
        dataset = DATASETS.build(cfg.val_dataloader.dataset)
    assert len(dataset) == 1
    item = dataset[0]
    sample = item['data_samples']
    assert item['inputs'].shape == (3, 1024, 2048)  # Resize(2048, 1024)
    assert sample.seg_map_path.endswith('frankfurt_000000_000294_gtFine_labelTrainIds.png')
    assert set(sample.gt_sem_seg.data.unique().tolist()) == {0, 10, 13, 255}
