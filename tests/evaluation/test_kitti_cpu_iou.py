"""The CPU overlap given to mmdet3d's KITTI evaluation: hand-computed values per criterion."""
import numpy as np
import pytest

pytest.importorskip('mmcv.ops')

from mmkd.evaluation.metrics.kitti_cpu_iou import rotate_iou_cpu_eval  # noqa: E402


def test_criteria_by_hand():
    a = np.array([[0.0, 0.0, 4.0, 2.0, 0.0]])                            # area 8
    b = np.array([[2.0, 0.0, 4.0, 2.0, 0.0], [0.0, 0.0, 2.0, 4.0, np.pi / 2]])  # half overlap; a turned copy
    # first pair: intersection 2 x 2 = 4, union 12; second: the same rectangle
    assert np.allclose(rotate_iou_cpu_eval(a, b, -1), [[4 / 12, 1.0]], atol=1e-4)
    assert np.allclose(rotate_iou_cpu_eval(a, b, 0), [[4 / 8, 1.0]], atol=1e-4)
    # a query box 8 x 4 centred at x = 2 contains all of a: 8 / 32
    assert np.allclose(rotate_iou_cpu_eval(a, b[:1] * [1, 1, 2, 2, 1], 1), [[8 / 32]], atol=1e-4)
    assert np.allclose(rotate_iou_cpu_eval(a, b, 2), [[4.0, 8.0]], atol=1e-3)
    assert rotate_iou_cpu_eval(a, np.zeros((0, 5))).shape == (1, 0)
