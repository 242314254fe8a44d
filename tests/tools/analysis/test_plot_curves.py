"""tools/analysis/plot_curves.py on scalar logs written by mmengine's own LocalVisBackend."""
import json
import os.path as osp

import pytest
from mmengine.visualization import LocalVisBackend

from helpers import load_tool

plot_curves = load_tool('analysis/plot_curves')


def write_run(work_dir, timestamp, train, val):
    """One mmengine run folder: training entries {step: {key: value}} and validation entries."""
    backend = LocalVisBackend(save_dir=osp.join(work_dir, timestamp, 'vis_data'))
    for step, scalars in train.items():
        backend.add_scalars(dict(lr=0.01, iter=step, epoch=1, time=0.1, data_time=0.01, **scalars), step=step)
    for step, scalars in val.items():
        backend.add_scalars(dict(time=0.1, data_time=0.01, **scalars), step=step)
    backend.close()


@pytest.fixture
def runs(tmp_path):
    alone, distilled = str(tmp_path / 'student_alone'), str(tmp_path / 'cwd')
    write_run(alone, '20260101_000000', {10: dict(loss=2.0, loss_cls=1.5), 20: dict(loss=1.0, loss_cls=0.7)},
              {1: {'coco/bbox_mAP': 0.3}, 2: {'coco/bbox_mAP': 0.4}})
    write_run(distilled, '20260101_000000', {10: {'loss': 3.0, 'loss_cls': 1.4, 'distill.loss_cwd': 1.0}},
              {1: {'coco/bbox_mAP': 0.35}})
    # the same work dir resumed: a second timestamp folder; its value of step 10 replaces the first
    write_run(distilled, '20260101_010000', {10: {'loss': 2.5, 'loss_cls': 1.3, 'distill.loss_cwd': 0.9},
                                             20: {'loss': 1.5, 'loss_cls': 0.6, 'distill.loss_cwd': 0.5}},
              {2: {'coco/bbox_mAP': 0.5}})
    return alone, distilled


def test_reads_mmengine_scalars_and_merges_a_resumed_run(runs):
    train, val = plot_curves.read_scalars(runs[1])
    assert train['loss'] == {10.0: 2.5, 20.0: 1.5}
    assert train['distill.loss_cwd'] == {10.0: 0.9, 20.0: 0.5}
    assert val == {'coco/bbox_mAP': {1.0: 0.35, 2.0: 0.5}}
    assert 'lr' not in train and 'time' not in val


def test_one_png_with_a_panel_per_key(runs, tmp_path):
    out = str(tmp_path / 'curves.png')
    panels = plot_curves.main([*runs, '--labels', 'alone', 'CWD', '--smooth', '0.5', '--out', out])
    assert panels == ['loss', 'loss_cls', 'distill.loss_cwd', 'coco/bbox_mAP']
    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    # --keys takes names and shell patterns, in order
    assert plot_curves.main([*runs, '--keys', 'distill.*', 'coco/*', '--out', out]) == \
        ['distill.loss_cwd', 'coco/bbox_mAP']


def test_ema_is_bias_corrected():
    # weight 0.5: 2 -> 2; (0.5*2*0.5 + 0.5*4) / (0.5*0.5 + 0.5) = (0.5 + 2) / 0.75
    assert plot_curves.ema([2.0, 4.0], 0.5) == pytest.approx([2.0, 2.5 / 0.75])
    assert plot_curves.ema([1.0, 5.0], 0.0) == [1.0, 5.0]


def test_a_torn_last_line_is_dropped_a_torn_middle_line_is_an_error(runs):
    path = plot_curves.scalar_files(runs[0])[0]
    with open(path, 'a') as f:
        f.write('{"loss": 0.5, "st')  # a run killed while logging
    train, _ = plot_curves.read_scalars(runs[0])
    assert train['loss'] == {10.0: 2.0, 20.0: 1.0}
    with open(path, 'a') as f:
        f.write('\n' + json.dumps({'loss': 0.1, 'lr': 0.1, 'step': 30}) + '\n')
    with pytest.raises(ValueError, match=r'scalars.json:\d+ is not JSON'):
        plot_curves.read_scalars(runs[0])


def test_bad_inputs_name_the_culprit(tmp_path, runs):
    with pytest.raises(FileNotFoundError, match='no work dir or scalars file'):
        plot_curves.read_scalars(str(tmp_path / 'missing'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='has no <timestamp>/vis_data/scalars.json'):
        plot_curves.read_scalars(str(tmp_path / 'empty'))
    with pytest.raises(ValueError, match='no key of'):
        plot_curves.main([runs[0], '--keys', 'nothing*', '--out', str(tmp_path / 'x.png')])
    with pytest.raises(SystemExit):
        plot_curves.main([*runs, '--labels', 'one'])
