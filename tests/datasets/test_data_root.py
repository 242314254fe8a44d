"""set_data_root moves every dataset and evaluator of a config to a new root."""
from pathlib import Path

from mmengine.config import Config

from mmkd.datasets import set_data_root

DATASET_CONFIGS = Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets'


def test_all_loaders_and_the_evaluator_follow():
    cfg = Config.fromfile(DATASET_CONFIGS / 'shapes_coco_detection.py')
    set_data_root(cfg, 'elsewhere/shapes')
    assert cfg.data_root == 'elsewhere/shapes'
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[key].dataset.data_root == 'elsewhere/shapes'
    for key in ('val_evaluator', 'test_evaluator'):
        assert cfg[key].ann_file == 'elsewhere/shapes/annotations/instances_val2017.json'


def test_wrapped_datasets_and_other_roots():
    cfg = Config(dict(
        data_root='data/a/',
        train_dataloader=dict(dataset=dict(type='ConcatDataset', datasets=[
            dict(type='RepeatDataset', times=2, dataset=dict(data_root='data/a/')),
            dict(data_root='data/b/')])),
        val_evaluator=[dict(type='M', ann_file='data/a/x.json'), dict(type='N', ann_file='y.json')]))
    set_data_root(cfg, 'new/')
    inner = cfg.train_dataloader.dataset.datasets
    assert inner[0].dataset.data_root == 'new/' and inner[1].data_root == 'data/b/'
    assert [e.ann_file for e in cfg.val_evaluator] == ['new/x.json', 'y.json']


def test_semi_supervised_partitions_follow():
    cfg = Config.fromfile(DATASET_CONFIGS / 'shapes_cityscapes_semi-1-16.py')
    set_data_root(cfg, 'elsewhere/city')
    dataset = cfg.train_dataloader.dataset
    assert dataset.labeled.data_root == dataset.unlabeled.data_root == 'elsewhere/city'
