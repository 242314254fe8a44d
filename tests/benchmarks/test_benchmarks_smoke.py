"""Every benchmark script runs end to end with --quick and prints its ratio table.

No timing or memory value is asserted (they depend on the machine); only that
each script completes and reports a finite positive ratio for every case.
"""
import importlib.util
import math
import os.path as osp
import subprocess
import sys

import pytest
from helpers import ROOT

pytest.importorskip('mmdet')
pytest.importorskip('mmseg')
pytestmark = pytest.mark.slow


def run(script: str, *argv: str, timeout: float = 120) -> str:
    result = subprocess.run([sys.executable, osp.join(ROOT, 'benchmarks', script), '--quick', *argv],
                            cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result.stdout


def table(output: str) -> list:
    """Rows of the last markdown table in ``output``, as dicts keyed by its header."""
    lines = [line for line in output.splitlines() if line.startswith('|')]
    header_at = max(i for i, line in enumerate(lines) if lines[i + 1:i + 2] and lines[i + 1].startswith('|---'))
    header = [c.strip() for c in lines[header_at].strip('|').split('|')]
    return [dict(zip(header, (c.strip() for c in line.strip('|').split('|'))))
            for line in lines[header_at + 2:]]


def assert_ratio(row: dict, column: str) -> None:
    value = float(row[column])
    assert math.isfinite(value) and value > 0, row


def test_distill_overhead():
    rows = table(run('distill_overhead.py'))
    assert [r['method'] for r in rows] == ['retinanet_cwd', 'retinanet_mgd', 'deeplabv3_cwd']
    for row in rows:
        assert_ratio(row, 'ratio (median)')


def test_peak_memory():
    rows = table(run('peak_memory.py', '--methods', 'retinanet_cwd'))
    assert [r['method'] for r in rows] == ['retinanet_cwd']
    assert_ratio(rows[0], 'ratio')


def test_mixed_precision():
    rows = table(run('mixed_precision.py', '--methods', 'deeplabv3_cwd'))
    assert {(r['step'], r['precision']) for r in rows} == {('distill', 'bf16'), ('student', 'bf16')}
    for row in rows:
        assert_ratio(row, 'ratio mixed/fp32 (median)')


def test_scaling():
    rows = table(run('scaling.py', '--ratios', 'overhead', 'bf16'))
    assert len(rows) == 1
    for column in ('overhead', 'bf16'):
        assert_ratio(rows[0], column)


def test_profile_distill_step():
    output = run('profile_distill_step.py', '--methods', 'retinanet_mgd')
    parts = {r['part'] for r in table(output.split('mmkd Python self time')[0])}
    assert {'teacher.backbone (forward)', 'connector mgd (forward)', 'distill loss loss_mgd (forward)',
            'backward + clip + optimizer step'} <= parts
    assert 'mmkd Python self time' in output


@pytest.mark.skipif(importlib.util.find_spec('mmkd.cache') is None, reason='mmkd.cache not in this checkout')
def test_cached_teacher():
    rows = table(run('cached_teacher.py', '--methods', 'retinanet_cwd'))
    assert [r['method'] for r in rows] == ['retinanet_cwd']
    assert_ratio(rows[0], 'sync ratio')
    assert_ratio(rows[0], 'prefetch ratio (median)')


def test_cache_storage_modes(tmp_path):
    from mmkd.datasets.embedded import generate_detection
    root = generate_detection(str(tmp_path / 'shapes_coco'), num_train=4, num_val=1)
    rows = table(run('cache_storage_modes.py', '--methods', 'retinanet_cwd', '--data-root', root))
    assert [r['storage'] for r in rows] == ['float32', 'float16', 'int8']
    assert float(rows[2]['size vs float32']) < 0.3


def test_gkd_cached_teacher():
    rows = table(run('gkd_cached_teacher.py'))
    assert len(rows) == 1
    assert_ratio(rows[0], 'ratio (median)')


def test_live_teacher():
    """The paper pair (mmdet's RetinaNet configs); the compiled and cached variants are left out (minutes)."""
    rows = table(run('live_teacher.py', '--threads', '1', '--variants', 'default', 'bf16 teacher', timeout=300))
    assert [r['step'] for r in rows] == ['student', 'teacher b+n', 'teacher full', 'distill default',
                                         'distill bf16 teacher']
    for row in rows:
        assert_ratio(row, 'ratio to student + teacher b+n (median)')
