"""benchmarks/onnx_latency.py runs end to end with --quick and prints a positive student / teacher ratio per pair."""
import math
import os.path as osp
import subprocess
import sys

import pytest
from helpers import ROOT

pytest.importorskip('mmdet')
pytest.importorskip('onnxruntime')
pytestmark = pytest.mark.slow


def test_onnx_latency_quick():
    result = subprocess.run([sys.executable, osp.join(ROOT, 'benchmarks', 'onnx_latency.py'), '--quick',
                             '--pairs', 'retinanet_cwd', 'tinysam_encoder'],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    rows = [line.split('|')[1:-1] for line in result.stdout.splitlines() if line.startswith('| ')][1:]
    assert [r[0].strip() for r in rows] == ['retinanet_cwd', 'tinysam_encoder']
    for row in rows:
        ratio = float(row[4])
        assert math.isfinite(ratio) and ratio > 0, row
