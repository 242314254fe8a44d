"""benchmarks/sam_everything.py --quick on a tiny random model: both generators run on the same dense grid.

No time is asserted (it depends on the machine), only what the run must report.
"""
import math
import os.path as osp
import sys

import pytest

from mmkd.datasets.embedded import generate_detection
from helpers import ROOT, tiny_timm_sam

TINY_STUDENT = dict(type='mmkd.build_sam', **tiny_timm_sam(128))


@pytest.fixture(scope='module')
def bench():
    sys.path.insert(0, osp.join(ROOT, 'benchmarks'))  # the scripts import their `common` helpers as run
    try:
        import sam_everything
    finally:
        sys.path.remove(osp.join(ROOT, 'benchmarks'))
    return sam_everything


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp('sam_everything')
    config = d / 'student.py'
    config.write_text(f'model = {TINY_STUDENT!r}\n')
    return str(config), generate_detection(str(d / 'shapes_coco'), seed=0, num_train=1, num_val=2)


def test_quick_run_reports_recall_points_and_ratios(bench, files, capsys):
    config, data_root = files
    result = bench.main(['--random', '--quick', '--config', config, '--data-root', data_root])
    assert result['images'] == 2 and result['num_gt'] > 0
    # --quick: 4x4 dense grid; hierarchical = the 2x2 sparse grid + the dense points it did not skip
    assert result['points']['dense'] == 2 * 16
    assert 2 * 4 <= result['points']['hierarchical'] <= 2 * (4 + 16)
    for mode in ('dense', 'hierarchical'):
        assert 0 <= result['recall'][mode] <= 1
        assert len(result['times'][mode]) == 1 and result['times'][mode][0] > 0
    ratio = result['time_ratios'][0]
    assert math.isfinite(ratio) and ratio > 0
    output = capsys.readouterr().out
    assert 'time ratio dense/hierarchical (median)' in output and '[--random' in output


def test_val_images_come_from_the_training_config(bench, tmp_path):
    """A training config's own val set is the default (the street-segments runs); a model config falls back to shapes."""
    train_cfg = tmp_path / 'train.py'
    train_cfg.write_text(f'model = {TINY_STUDENT!r}\n'
                         "val_dataloader = dict(dataset=dict(type='mmdet.CocoDataset', data_root='nowhere/street/'))\n")
    args = bench.parse_args(['--random', '--config', str(train_cfg)])
    assert args.data_config == str(train_cfg)
    with pytest.raises(FileNotFoundError, match=r"'nowhere/street/' \(from .*train.py\) not found"):
        bench.load_val_images(args.data_config, None, 1)
    model_cfg = tmp_path / 'model.py'
    model_cfg.write_text(f'model = {TINY_STUDENT!r}\n')
    assert bench.parse_args(['--random', '--config', str(model_cfg)]).data_config == bench.DEFAULT_DATA_CONFIG


def test_needs_exactly_one_model_source(bench):
    with pytest.raises(SystemExit):
        bench.parse_args(['--quick'])
    with pytest.raises(SystemExit):
        bench.parse_args(['--random', '--checkpoint', 'x.pth'])
