"""benchmarks/teacher_precision_map.py: the table from finished runs, the refusals before any training."""
import json

import pytest
from helpers import load_script

pytest.importorskip('mmdet')
bench = load_script('benchmarks/teacher_precision_map.py')


def finished(work_dir, precision, seed, mAP, mAP50=0.8, wall=100.0):
    run = work_dir / f'{precision}_seed{seed}'
    run.mkdir(parents=True)
    (run / 'result.json').write_text(json.dumps({'coco/bbox_mAP': mAP, 'coco/bbox_mAP_50': mAP50, 'wall_s': wall}))


def test_report_reads_finished_runs_and_compares_with_fp32(tmp_path, capsys):
    for seed, (fp32, bf16) in enumerate([(0.50, 0.49), (0.54, 0.52)]):
        finished(tmp_path, 'fp32', seed, fp32)
        finished(tmp_path, 'bf16', seed, bf16)
    bench.main(['--report', '--work-dir', str(tmp_path), '--quickstart-dir', str(tmp_path / 'none')])
    rows = {line.split('|')[1].strip(): [c.strip() for c in line.strip('|').split('|')]
            for line in capsys.readouterr().out.splitlines() if line.startswith('| fp') or line.startswith('| bf')}
    # means 0.52 and 0.505: bf16 is 0.015 below fp32
    assert rows['fp32'][1:6] == ['0.500', '0.540', '0.520', '0.800', '+0.000']
    assert rows['bf16'][1:6] == ['0.490', '0.520', '0.505', '0.800', '-0.015']


def test_missing_seed_leaves_the_cell_and_the_comparison_empty(tmp_path, capsys):
    finished(tmp_path, 'fp32', 0, 0.5)
    finished(tmp_path, 'bf16', 0, 0.5)
    bench.main(['--report', '--work-dir', str(tmp_path), '--quickstart-dir', str(tmp_path / 'none')])
    bf16 = [line for line in capsys.readouterr().out.splitlines() if line.startswith('| bf16')][0]
    assert [c.strip() for c in bf16.strip('|').split('|')][1:3] == ['0.500', '-']
    assert bf16.split('|')[6].strip() == '-'  # no comparison on unequal seed sets


def test_refusals_before_training(tmp_path, monkeypatch):
    with pytest.raises(SystemExit, match='no trained teacher under .*none/teacher: run `python tools/quickstart.py`'):
        bench.main(['--work-dir', str(tmp_path), '--quickstart-dir', str(tmp_path / 'none'), '--precisions', 'fp32'])
    monkeypatch.setattr(bench.torch.cuda, 'is_available', lambda: False)
    with pytest.raises(SystemExit, match='fp16 autocast runs on a GPU only'):
        bench.main(['--work-dir', str(tmp_path), '--precisions', 'fp32', 'fp16'])
    monkeypatch.setattr(bench, 'cpu_has_native_bf16', lambda: False)
    with pytest.raises(SystemExit, match='no native bf16'):
        bench.main(['--work-dir', str(tmp_path), '--precisions', 'bf16'])
