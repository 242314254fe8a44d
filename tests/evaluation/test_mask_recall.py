"""Mask recall at IoU 0.5 on hand-made masks."""
import math

import numpy as np
import pytest
import torch

from mmkd.evaluation import mask_iou_matrix, mask_recall


def square(y0, y1, x0, x1, size=8):
    m = np.zeros((size, size), dtype=bool)
    m[y0:y1, x0:x1] = True
    return m


def test_hand_values():
    gt = np.stack([square(0, 4, 0, 4), square(4, 8, 4, 8), square(0, 2, 6, 8)])   # 16, 16, 4 px
    pred = np.stack([square(0, 4, 0, 2),        # GT0: 8/16 = 0.5 (counts: >= 0.5)
                     square(4, 8, 4, 7),        # GT1: 12/16 = 0.75
                     square(0, 4, 6, 8)])       # GT2: 4/8 = 0.5
    ious = mask_iou_matrix(pred, gt)
    torch.testing.assert_close(ious.diagonal(), torch.tensor([0.5, 0.75, 0.5], dtype=torch.float64))
    assert ious[0, 1].item() == 0.0
    assert mask_recall(pred, gt) == pytest.approx(1.0)
    assert mask_recall(pred, gt, iou_thr=0.6) == pytest.approx(1 / 3)
    # one big prediction covering everything: IoU 16/64, 16/64, 4/64 -> nothing recalled at 0.5
    assert mask_recall(np.ones((1, 8, 8), bool), gt) == 0.0


def test_lists_and_empty_sets():
    gt = [square(0, 4, 0, 4)]
    assert mask_recall([square(0, 4, 0, 4)], gt) == 1.0
    assert mask_recall([], gt) == 0.0
    assert math.isnan(mask_recall([square(0, 4, 0, 4)], []))
    with pytest.raises(ValueError, match=r'pred \(P, H, W\) and gt \(G, H, W\) of one image size'):
        mask_iou_matrix(np.zeros((1, 4, 4)), np.zeros((1, 8, 8)))
