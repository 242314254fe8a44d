"""The BEV demo draws a raw sweep beside its object-complete version."""
import importlib.util
import os.path as osp

import cv2

from helpers import ROOT  # noqa: E402


def test_demo_writes_a_png(tiny_lidar_root, tmp_path):
    spec = importlib.util.spec_from_file_location('xray_bev_demo', osp.join(ROOT, 'demo', 'xray_bev_demo.py'))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    out = demo.main(['--root', tiny_lidar_root, '--out', str(tmp_path / 'bev.png')])
    image = cv2.imread(out)
    assert image is not None and image.shape[1] > image.shape[0] > 100   # two panels side by side
