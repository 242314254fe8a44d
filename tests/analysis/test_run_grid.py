"""mmkd.analysis.run_grid: metric read-back, resumable runs, table cells; the dense grid's plan."""
import json
from pathlib import Path

import pytest

from mmkd.analysis.run_grid import (GridRun, finished_results, mean_cell, read_last_metric, run_all, train_run,
                                    write_report)
from helpers import REPO_ROOT, load_tool


def write_scalars(work_dir: Path, stamp: str, rows):
    path = work_dir / stamp / 'vis_data' / 'scalars.json'
    path.parent.mkdir(parents=True)
    path.write_text(''.join(json.dumps(r) + '\n' for r in rows))


def test_read_last_metric_takes_the_newest_run_and_last_value(tmp_path):
    write_scalars(tmp_path, '20260101_000000', [{'mIoU': 10.0, 'step': 1}])
    write_scalars(tmp_path, '20260102_000000', [{'loss': 1.0, 'step': 1}, {'mIoU': 30.0, 'step': 2},
                                                {'mIoU': 40.0, 'teacher/mIoU': 50.0, 'step': 3}])
    assert read_last_metric(str(tmp_path), 'mIoU') == 40.0
    assert read_last_metric(str(tmp_path), 'teacher/mIoU') == 50.0
    with pytest.raises(FileNotFoundError, match="'coco/bbox_mAP'"):
        read_last_metric(str(tmp_path), 'coco/bbox_mAP')


def test_finished_run_is_not_trained_again(tmp_path):
    run = GridRun(('pair', 'KD', 0), 'configs/does-not-exist.py', str(tmp_path))
    (tmp_path / 'result.json').write_text(json.dumps(dict(metric='mIoU', value=12.5)))
    assert train_run(run, 'mIoU', 'data') == 12.5


def test_finished_results_reads_only_finished_runs(tmp_path):
    done = GridRun(('pair', 'KD', 0), 'c.py', str(tmp_path / 'done'))
    todo = GridRun(('pair', 'KD', 1), 'c.py', str(tmp_path / 'todo'))
    (tmp_path / 'done').mkdir()
    (tmp_path / 'done' / 'result.json').write_text(json.dumps(dict(metric='mIoU', value=3.0)))
    assert finished_results([done, todo]) == {('pair', 'KD', 0): 3.0}


def test_failed_run_is_skipped_and_named(tmp_path, capsys):
    run = GridRun(('pair', 'KD', 3), 'configs/does-not-exist.py', str(tmp_path / 'run'))
    assert run_all([run], lambda r: 'mIoU', lambda r: str(tmp_path)) == {}
    out = capsys.readouterr().out
    assert 'pair KD seed 3 failed' in out and 'stdout.log' in out
    assert 'config file not found' in (tmp_path / 'run' / 'stdout.log').read_text()


def test_mean_cell():
    assert mean_cell([]) == '-'
    assert mean_cell([0.5]) == '0.50'
    # mean 0.5 -> 50.00, half range (0.6 - 0.4) / 2 -> 10.00, seeds scaled by 100
    assert mean_cell([0.4, 0.6], scale=100) == '50.00 ± 10.00 (40.0, 60.0)'


def test_dense_grid_plan_covers_every_method_config(capsys):
    grid = load_tool('analysis/run_dense_grid')
    grid.main(['--dry-run'])
    lines = capsys.readouterr().out.splitlines()
    # 3 teachers + seeds x (alone + methods): retinanet 11 methods, faster-rcnn 2, deeplabv3 8
    assert lines[0] == f'{3 + 2 * (12 + 3 + 9)} runs'
    acam = [line for line in lines if 'faster-rcnn ACAM-KD seed 1' in line]
    assert len(acam) == 1 and 'faster-rcnn/teacher/seed0/epoch_12.pth' in acam[0]
    for config in {line.split(': ')[1].split(' -> ')[0] for line in lines[1:]}:
        assert (REPO_ROOT / config).is_file(), config


def test_dense_grid_table_reports_gain_over_student_alone():
    grid = load_tool('analysis/run_dense_grid')
    args = grid.parse_args(['--pairs', 'retinanet'])
    results = {('retinanet', 'teacher', 0): 0.6, ('retinanet', 'student alone', 0): 0.40,
               ('retinanet', 'student alone', 1): 0.50, ('retinanet', 'CWD', 0): 0.50, ('retinanet', 'CWD', 1): 0.60}
    rows = {line.split(' | ')[0].strip('| '): line for line in grid.table(results, args).splitlines()
            if line.startswith('| ') and 'model' not in line}
    # means 45 and 55 (x100): gain +10
    assert rows['CWD'].endswith('| 55.00 ± 5.00 (50.0, 60.0) | +10.00 |')
    assert rows['student alone'].endswith('| 45.00 ± 5.00 (40.0, 50.0) | - |')
    assert rows['teacher'].endswith('| 60.00 | - |')


def test_write_report_prints_and_writes_the_table(tmp_path, capsys):
    path = write_report('| row | mean |\n|---|---|', str(tmp_path))
    assert Path(path).read_text() == '| row | mean |\n|---|---|\n'
    assert '| row | mean |' in capsys.readouterr().out


def test_readme_blocks_are_replaced_pair_by_pair(tmp_path):
    from mmkd.analysis.run_grid import replace_marked_blocks
    readme = tmp_path / 'README.md'
    readme.write_text('intro\n<!-- grid:a:start -->\nold a\n<!-- grid:a:end -->\nmiddle\n'
                      '<!-- grid:b:start -->\nold b\n<!-- grid:b:end -->\nend\n')
    replace_marked_blocks(str(readme), {'b': '| new | b |\n'})
    assert readme.read_text() == ('intro\n<!-- grid:a:start -->\nold a\n<!-- grid:a:end -->\nmiddle\n'
                                  '<!-- grid:b:start -->\n| new | b |\n<!-- grid:b:end -->\nend\n')
    with pytest.raises(KeyError, match=r'README.md needs exactly one <!-- grid:c:start -->'):
        replace_marked_blocks(str(readme), {'c': 'x'})


def test_dense_grid_report_writes_the_pair_table_into_the_readme(tmp_path, capsys):
    grid = load_tool('analysis/run_dense_grid')
    out = tmp_path / 'grid'
    for folder, value in (('teacher/seed0', 0.6), ('student-alone/seed0', 0.4), ('student-alone/seed1', 0.5),
                          ('CWD/seed0', 0.5), ('CWD/seed1', 0.6)):
        (out / 'deeplabv3' / folder).mkdir(parents=True)
        (out / 'deeplabv3' / folder / 'result.json').write_text(json.dumps({'value': value}))
    readme = tmp_path / 'README.md'
    readme.write_text('<!-- grid:retinanet:start -->\nkept\n<!-- grid:retinanet:end -->\n'
                      '<!-- grid:deeplabv3:start -->\nold\n<!-- grid:deeplabv3:end -->\n')
    grid.main(['--pairs', 'retinanet', 'deeplabv3', '--methods', 'student alone', 'CWD', '--out', str(out),
               '--report', '--readme', str(readme)])
    text = readme.read_text()
    assert 'kept' in text and 'old' not in text  # retinanet has no finished run: its block stays
    assert '### DeepLabV3 R50-w16 -> DeepLabV3 R18-w8 (segmentation, mIoU)' in text
    assert '| CWD | 0.55 ± 0.05 (0.5, 0.6) | +0.10 |' in text
    with pytest.raises(SystemExit, match='no such file'):
        grid.main(['--pairs', 'deeplabv3', '--report', '--readme', str(tmp_path / 'missing.md')])
